import { schema } from '@skillbytes/db';
import type { LoginInput, Profile } from '@skillbytes/shared';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { graceCutoff } from './gone-accounts.ts';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { profileColumns, toProfile } from './profile.ts';
import { enforce, pruneRateLimits, refund } from './rate-limit.ts';
import { type IssuedTokens, openSession } from './sessions.ts';
import { type MfaChallenge, startMfaLogin } from './mfa-login.ts';
import { buckets, passwordThrottle, unknownSubject } from './throttle.ts';
import { signDeviceToken } from './tokens.ts';
import { dropFirstPages } from '../leaderboard/first-pages.ts';

const u = schema.users;

/** A successful sign-in: the profile, the new session's tokens, and a fresh device token. */
export type SignedIn = { user: Profile; tokens: IssuedTokens; device: { token: string; expiresAt: Date } };

/** One answer for every failed login: unknown user, wrong password, account gone (OWASP wording). */
export const invalidCredentials = () =>
  new DomainError('INVALID_CREDENTIALS', 'Login failed; invalid user ID or password');

/** `contains '@'` → an email (trimmed, lower-cased); otherwise a username (case-insensitive). */
function normaliseIdentifier(identifier: string) {
  const value = identifier.trim();
  return value.includes('@')
    ? { kind: 'email' as const, value: value.toLowerCase() }
    : { kind: 'username' as const, value: value.toLowerCase() };
}

/**
 * Signs in by email or username. Unknown users, wrong passwords and accounts deleted beyond the grace
 * period all take the same path (argon2 against a dummy hash when there is no hash) and give the same
 * error. The account's throttle (per device with its device token, else per address and account-wide:
 * throttle.ts) and, without a valid device token, the per-IP one are taken before argon2; a success
 * settles them and refunds the IP's. A known device skips the per-IP bucket: strangers behind the
 * same NAT, office or carrier network must not lock its owner out.
 * Always a new session: session cookies sent with the request are ignored (no fixation). With TOTP on,
 * the right password answers an mfa token instead (mfa-login.ts) and opens no session.
 */
export async function login(
  svc: ServiceContext,
  input: z.output<typeof LoginInput>,
): Promise<SignedIn | MfaChallenge> {
  const { now } = svc;
  const id = normaliseIdentifier(input.identifier);
  const ipLimit = { bucket: buckets.loginIp(svc.ip), policy: svc.config.rateLimits.loginPerIp };

  const [found] = await svc.db
    .select({
      id: u.id,
      role: u.role,
      passwordHash: u.passwordHash,
      deletedAt: u.deletedAt,
      mfaEnabledAt: u.mfaEnabledAt,
    })
    .from(u)
    .where(id.kind === 'email' ? eq(u.email, id.value) : sql`lower(${u.username}) = ${id.value}`)
    .limit(1);
  const user = found && (!found.deletedAt || found.deletedAt > graceCutoff(svc)) ? found : undefined;
  // Known and unknown identifiers get the same thresholds, so the 429 does not tell them apart.
  const throttle = await passwordThrottle(svc, {
    subject: user ? user.id : unknownSubject(`${id.kind}:${id.value}`),
    deviceToken: input.deviceToken || svc.deviceToken,
  });
  if (!throttle.isTrustedDevice) await enforce(svc, ipLimit);
  await throttle.take();

  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDummy(input.password);
  if (!user || !ok) {
    await audit(svc, {
      action: 'authn_login_fail',
      at: now,
      outcome: 'failure',
      target: user?.id ?? null,
      metadata: {
        identifierKind: id.kind,
        reason: !found ? 'unknown_identifier' : !user ? 'deleted_account' : 'wrong_password',
        ...(throttle.isTrustedDevice ? { knownDevice: true } : {}),
      },
    });
    throw invalidCredentials();
  }

  if (needsRehash(user.passwordHash)) {
    const rehashed = await hashPassword(input.password);
    // Guarded: a password changed meanwhile is not overwritten with the old one.
    await svc.db
      .update(u)
      .set({ passwordHash: rehashed })
      .where(and(eq(u.id, user.id), eq(u.passwordHash, user.passwordHash)));
  }
  // The password was right: its buckets settle whether or not a second factor follows (the code has
  // its own per-account limit, second-factor.ts). The device token waits for the whole proof.
  await throttle.succeeded();
  if (!throttle.isTrustedDevice) await refund(svc, ipLimit);
  // Behaviour-neutral housekeeping (only dead counters go), so an occasional run is enough.
  if (Math.random() < 0.01) await pruneRateLimits(svc);
  const metadata = {
    identifierKind: id.kind,
    ...(needsRehash(user.passwordHash) ? { rehashed: true } : {}),
    ...(throttle.isTrustedDevice ? { knownDevice: true } : {}),
  };
  if (user.mfaEnabledAt) {
    return startMfaLogin(svc, { userId: user.id, tokenDelivery: input.tokenDelivery, metadata });
  }
  return completeLogin(svc, { user, metadata });
}

/**
 * The end of every sign-in (a password, or a password and then `auth.mfa.verify`): an account deleted
 * within the grace period comes back, the success is audited, a new session opens and a new device
 * token is handed out.
 */
export async function completeLogin(
  svc: ServiceContext,
  { user, metadata }: { user: { id: string; deletedAt: Date | null }; metadata: Record<string, unknown> },
): Promise<SignedIn> {
  const { now } = svc;
  const signedIn = await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    if (user.deletedAt) {
      const restored = await tx
        .update(u)
        .set({ deletedAt: null, updatedAt: now })
        .where(and(eq(u.id, user.id), isNotNull(u.deletedAt)))
        .returning({ id: u.id });
      if (restored.length) {
        await audit(inTx, { action: 'user_restored', at: now, actorUserId: user.id, target: user.id });
      }
    }
    const [profile] = await tx.select(profileColumns).from(u).where(eq(u.id, user.id));
    if (!profile) throw invalidCredentials();
    await audit(inTx, {
      action: 'authn_login_success',
      at: now,
      actorUserId: user.id,
      target: user.id,
      metadata,
    });
    const tokens = await openSession(inTx, { user: profile, reason: 'login' });
    return { user: toProfile(profile, now), tokens };
  });
  // A restored account is back on the board now in this process (others within LEADERBOARD_CACHE_MS).
  if (user.deletedAt) dropFirstPages(svc.events);
  return { ...signedIn, device: await signDeviceToken(svc, user.id) };
}
