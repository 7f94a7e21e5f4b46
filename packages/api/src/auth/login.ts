import { type Executor, schema } from '@skillbytes/db';
import type { LoginInput, Profile, SignupInput } from '@skillbytes/shared';
import { and, eq, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { type AuthEnv, requireSession } from './env.ts';
import type { Caller } from '../context.ts';
import {
  assertStrongPassword,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.ts';
import { profileColumns, toProfile } from './profile.ts';
import { enforce, pruneRateLimits, refund } from './rate-limit.ts';
import { type IssuedTokens, openSession, revokeSessions } from './sessions.ts';
import { buckets, passwordThrottle, unknownSubject } from './throttle.ts';
import { signDeviceToken } from './tokens.ts';

const u = schema.users;

/** A successful sign-in: the profile, the new session's tokens, and a fresh device token. */
export type SignedIn = { user: Profile; tokens: IssuedTokens; device: { token: string; expiresAt: Date } };

/** One answer for every failed login: unknown user, wrong password, account gone (OWASP wording). */
export const invalidCredentials = () =>
  new DomainError('INVALID_CREDENTIALS', 'Login failed; invalid user ID or password');

function graceCutoff(env: AuthEnv) {
  return new Date(env.now.getTime() - env.config.deletionGraceDays * 86_400_000);
}

/**
 * Creates an account and signs it in. Order matters: the signup throttle runs first, then the cheap
 * checks, and only then argon2. Taken emails/usernames answer EMAIL_TAKEN/USERNAME_TAKEN (DESIGN §5):
 * that reveals registrations, which the per-IP signup limit keeps slow (ASVS 6.3.8 is L3).
 */
export async function signup(env: AuthEnv, input: z.output<typeof SignupInput>): Promise<SignedIn> {
  await enforce(env.db, buckets.signupIp(env.ip), env.config.rateLimits.signupPerIp, env.now, env.logger);
  const domain = input.email.slice(input.email.lastIndexOf('@') + 1);
  const allowed = env.config.allowedEmailDomains;
  if (allowed.length && !allowed.includes(domain)) {
    throw new DomainError('EMAIL_DOMAIN_NOT_ALLOWED', 'Sign-ups are limited to some email domains', {
      allowedDomains: allowed,
    });
  }
  assertStrongPassword(input.password, { email: input.email, username: input.username, name: input.name });
  const passwordHash = await hashPassword(input.password);

  const signedUp = await env.db.transaction(async (tx) => {
    await purgeGoneAccounts(tx, env, { email: input.email, username: input.username });
    const [user] = await tx
      .insert(u)
      .values({
        email: input.email,
        username: input.username ?? null,
        name: input.name ?? null,
        passwordHash,
        createdAt: env.now,
        updatedAt: env.now,
      })
      .returning(profileColumns);
    if (!user) throw new Error('user insert returned nothing');
    await audit(tx, env, { action: 'user_created', at: env.now, actorUserId: user.id, target: user.id });
    const tokens = await openSession(tx, env, user, 'signup');
    return { user: toProfile(user), tokens };
  });
  return { ...signedUp, device: await signDeviceToken(env.config, signedUp.user.id, env.now) };
}

/**
 * An account deleted longer ago than the grace period is gone for good: it frees its email and username
 * when someone claims them (here rather than in a background job).
 */
export async function purgeGoneAccounts(
  tx: Executor,
  env: AuthEnv,
  claimed: { email?: string; username?: string },
): Promise<void> {
  if (!claimed.email && !claimed.username) return;
  await tx
    .delete(u)
    .where(
      and(
        isNotNull(u.deletedAt),
        lt(u.deletedAt, graceCutoff(env)),
        or(
          claimed.email ? eq(u.email, claimed.email) : undefined,
          claimed.username ? sql`lower(${u.username}) = lower(${claimed.username})` : undefined,
        ),
      ),
    );
}

/** `contains '@'` → an email (trimmed, lower-cased); otherwise a username (case-insensitive). */
export function normaliseIdentifier(identifier: string) {
  const value = identifier.trim();
  return value.includes('@')
    ? { kind: 'email' as const, value: value.toLowerCase() }
    : { kind: 'username' as const, value: value.toLowerCase() };
}

/**
 * Signs in by email or username. Unknown users, wrong passwords and accounts deleted beyond the grace
 * period all take the same path (argon2 against a dummy hash when there is no hash) and give the same
 * error. The per-IP throttle and the account's (per device with its device token, else per address and
 * account-wide: throttle.ts) are taken before argon2; a success settles them and refunds the IP's.
 * Always a new session: session cookies sent with the request are ignored (no fixation).
 */
export async function login(env: AuthEnv, input: z.output<typeof LoginInput>): Promise<SignedIn> {
  const id = normaliseIdentifier(input.identifier);
  const ipKey = buckets.loginIp(env.ip);
  const { loginPerIp } = env.config.rateLimits;
  await enforce(env.db, ipKey, loginPerIp, env.now, env.logger);

  const [found] = await env.db
    .select({ id: u.id, role: u.role, passwordHash: u.passwordHash, deletedAt: u.deletedAt })
    .from(u)
    .where(id.kind === 'email' ? eq(u.email, id.value) : sql`lower(${u.username}) = ${id.value}`)
    .limit(1);
  const user = found && (!found.deletedAt || found.deletedAt > graceCutoff(env)) ? found : undefined;
  // Known and unknown identifiers get the same thresholds, so the 429 does not tell them apart.
  const throttle = await passwordThrottle(
    env,
    user ? user.id : unknownSubject(`${id.kind}:${id.value}`),
    input.deviceToken || env.deviceToken,
  );
  await throttle.take();

  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDummy(input.password);
  if (!user || !ok) {
    await audit(env.db, env, {
      action: 'authn_login_fail',
      at: env.now,
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

  const rehashed = needsRehash(user.passwordHash) ? await hashPassword(input.password) : undefined;
  const signedIn = await env.db.transaction(async (tx) => {
    if (user.deletedAt) {
      const restored = await tx
        .update(u)
        .set({ deletedAt: null, updatedAt: env.now })
        .where(and(eq(u.id, user.id), isNotNull(u.deletedAt)))
        .returning({ id: u.id });
      if (restored.length) {
        await audit(tx, env, { action: 'user_restored', at: env.now, actorUserId: user.id, target: user.id });
      }
    }
    if (rehashed) {
      // Guarded: a password changed meanwhile is not overwritten with the old one.
      await tx
        .update(u)
        .set({ passwordHash: rehashed })
        .where(and(eq(u.id, user.id), eq(u.passwordHash, user.passwordHash)));
    }
    const [profile] = await tx.select(profileColumns).from(u).where(eq(u.id, user.id));
    if (!profile) throw invalidCredentials();
    await audit(tx, env, {
      action: 'authn_login_success',
      at: env.now,
      actorUserId: user.id,
      target: user.id,
      metadata: {
        identifierKind: id.kind,
        ...(rehashed ? { rehashed: true } : {}),
        ...(throttle.isTrustedDevice ? { knownDevice: true } : {}),
      },
    });
    const tokens = await openSession(tx, env, profile, 'login');
    return { user: toProfile(profile), tokens };
  });
  await throttle.succeeded();
  await refund(env.db, ipKey, loginPerIp);
  // Behaviour-neutral housekeeping (only dead counters go), so an occasional run is enough.
  if (Math.random() < 0.01) await pruneRateLimits(env.db, env.now);
  return { ...signedIn, device: await signDeviceToken(env.config, user.id, env.now) };
}

/** Signs this session out (every process refuses it from the next request on). */
export async function logout(env: AuthEnv, caller: Caller): Promise<void> {
  const me = requireSession(caller);
  await env.db.transaction(async (tx) => {
    await revokeSessions(tx, env, me.userId, { only: [me.sessionId], reason: 'logout' });
    await audit(tx, env, {
      action: 'session_logout',
      at: env.now,
      actorUserId: me.userId,
      target: me.sessionId,
      sessionId: me.sessionId,
    });
  });
}
