import { prepareNamed, schema, statementsFor } from '@skillbytes/db';
import type {
  ChangePasswordInput,
  DeleteAccountInput,
  IdInput,
  Me,
  Profile,
  UpdateProfileInput,
} from '@skillbytes/shared';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Service, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { assertKeepsAnAdmin } from './admins.ts';
import { actorOf, audit } from './audit.ts';
import { purgeGoneAccounts } from './gone-accounts.ts';
import { invalidCredentials } from './login.ts';
import { confirmPassword, userNotFound } from './confirm-password.ts';
import { assertStrongPassword, hashPassword } from './passwords.ts';
import { profileColumns, toProfile } from './profile.ts';
import { requireSession } from './require-session.ts';
import { requireRecentAuth } from './step-up.ts';
import { type IssuedTokens, openSession, revokeSessions, sessionProvenBy } from './sessions.ts';
import { zoneChange } from './timezone-change.ts';
import { dropFirstPages } from '../leaderboard/first-pages.ts';

const u = schema.users;
const k = schema.apiKeys;

/** `auth.me` (and `auth.session`) on every page load: prepared once per database. */
const statements = statementsFor((db) => ({
  profile: prepareNamed(
    'profile',
    db
      .select(profileColumns)
      .from(u)
      .where(and(eq(u.id, sql.placeholder('userId')), isNull(u.deletedAt))),
  ),
}));

/** The caller's own account. */
async function getProfile(svc: Service): Promise<Profile> {
  const [row] = await statements(svc.db).profile.execute({ userId: svc.caller.userId });
  if (!row) throw userNotFound();
  return toProfile(row, svc.now);
}

/** `auth.me`: the profile, and when the access token of this request expires. */
export async function getMe(svc: Service): Promise<Me> {
  const { caller } = svc;
  const expiresAt = caller.kind === 'session' ? (caller.accessExpiresAt ?? null) : null;
  return { ...(await getProfile(svc)), expiresAt };
}

/** `auth.session`: as `auth.me` for a signed-in caller, null for anyone else. */
export function getSession(svc: ServiceContext): Promise<Me | null> {
  const { caller } = svc;
  return caller ? getMe({ ...svc, caller }) : Promise.resolve(null);
}

/**
 * The legacy onboarding steps in one call. Only these fields: role, points, email are not reachable. A
 * time zone change follows the rules of `zoneChange` (from the next local day, once a week).
 */
export async function updateProfile(
  svc: Service,
  input: z.output<typeof UpdateProfileInput>,
): Promise<Profile> {
  const { caller, now } = svc;
  const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const fields = Object.keys(changes);
  if (fields.length === 0) return getProfile(svc);
  // A new username changes how the account signs in: a sensitive change (step-up). The same one again
  // (a profile form sends every field) is no change.
  if (input.username !== undefined && input.username !== (await getProfile(svc)).username) {
    await requireRecentAuth(svc);
  }
  return svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    await purgeGoneAccounts(inTx, { username: input.username });
    const { timezone, ...others } = changes;
    const zone = typeof timezone === 'string' ? await zoneChange(tx, caller.userId, timezone, now) : null;
    const [row] = await tx
      .update(u)
      .set({ ...others, ...zone, updatedAt: now })
      .where(and(eq(u.id, caller.userId), isNull(u.deletedAt)))
      .returning(profileColumns);
    if (!row) throw userNotFound();
    // Field names only: values (a name, a username) are personal data the audit trail does not need.
    await audit(inTx, {
      action: 'user_updated',
      at: now,
      ...actorOf(caller),
      target: caller.userId,
      metadata: { fields },
    });
    return toProfile(row, now);
  });
}

/**
 * Changes the password: every session of the user ends (on every process), and the caller gets a
 * brand-new session (new id and tokens) in their place (ASVS 7.4.3).
 */
export async function changePassword(
  svc: Service,
  input: z.output<typeof ChangePasswordInput>,
): Promise<IssuedTokens> {
  const { now } = svc;
  const me = requireSession(svc.caller);
  const { user, verify, succeeded } = await confirmPassword(svc, input.currentPassword);
  assertStrongPassword(input.newPassword, user);
  if (!(await verify())) {
    await audit(svc, {
      action: 'authn_password_change_fail',
      at: now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
    });
    throw invalidCredentials();
  }
  const passwordHash = await hashPassword(input.newPassword);
  const tokens = await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    await tx.update(u).set({ passwordHash, updatedAt: now }).where(eq(u.id, me.userId));
    const issued = await openSession(inTx, {
      user: { id: me.userId, role: user.role },
      reason: 'password_change',
    });
    const revoked = await revokeSessions(inTx, {
      userId: me.userId,
      except: issued.sessionId,
      reason: 'password_change',
    });
    await audit(inTx, {
      action: 'authn_password_change',
      at: now,
      ...actorOf(me),
      target: me.userId,
      metadata: { revokedSessions: revoked.length, newSession: issued.sessionId },
    });
    return issued;
  });
  await succeeded();
  return tokens;
}

/**
 * Deletes the account (soft): hidden from leaderboards at once, every session and API key revoked in
 * the same transaction. A login within the grace period restores it; after that it is gone.
 */
export async function deleteAccount(svc: Service, input: z.output<typeof DeleteAccountInput>): Promise<void> {
  const { now } = svc;
  const me = await requireRecentAuth(svc);
  const { user, verify, succeeded } = await confirmPassword(svc, input.password);
  if (!(await verify())) {
    await audit(svc, {
      action: 'user_deleted',
      at: now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
      metadata: { reason: 'wrong_password' },
    });
    throw invalidCredentials();
  }
  await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    if (user.role === 'admin') await assertKeepsAnAdmin(inTx, me.userId);
    const [deleted] = await tx
      .update(u)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(u.id, me.userId), isNull(u.deletedAt)))
      .returning({ id: u.id });
    if (!deleted) throw userNotFound();
    const sessions = await revokeSessions(inTx, { userId: me.userId, reason: 'account_deleted' });
    const keys = await tx
      .update(k)
      .set({ revokedAt: now })
      .where(and(eq(k.userId, me.userId), isNull(k.revokedAt)))
      .returning({ id: k.id });
    await audit(inTx, {
      action: 'user_deleted',
      at: now,
      ...actorOf(me),
      target: me.userId,
      metadata: {
        revokedSessions: sessions.length,
        revokedKeys: keys.length,
        graceDays: svc.config.deletionGraceDays,
      },
    });
  });
  // Off the board now in this process (others within LEADERBOARD_CACHE_MS).
  dropFirstPages(svc.events);
  await succeeded();
}

/**
 * Signs a session out (every process refuses it from the next request on): the caller's, or, when the
 * access token is expired or absent, the one the refresh token names. Signing out is what a stolen
 * token's owner wants too, so the refresh token's previous secret is accepted as well (a tab that
 * signs out while another one rotates the cookie still ends the session). A session already ended is
 * no error. Without either, the access token's refusal stands (TOKEN_EXPIRED: refresh, then retry).
 */
export async function logout(
  svc: ServiceContext,
  opts: { refreshToken: string | undefined; refusal: DomainError | null },
): Promise<void> {
  const { caller, now } = svc;
  let session: { id: string; userId: string } | undefined;
  if (caller) session = { id: requireSession(caller).sessionId, userId: caller.userId };
  else if (opts.refreshToken) session = await sessionProvenBy(svc, opts.refreshToken);
  else throw opts.refusal ?? new DomainError('UNAUTHENTICATED', 'Sign in first');
  if (!session) return;
  const { id, userId } = session;
  await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const ended = await revokeSessions(inTx, { userId, only: [id], reason: 'logout' });
    if (!ended.length) return;
    await audit(inTx, { action: 'session_logout', at: now, actorUserId: userId, target: id, sessionId: id });
  });
}

/** Signs out one of the caller's devices. Someone else's (or an unknown) session id is NOT_FOUND. */
export async function revokeOwnSession(
  svc: Service,
  { id: sessionId }: z.output<typeof IdInput>,
): Promise<{ current: boolean }> {
  const me = requireSession(svc.caller);
  const revoked = await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const ids = await revokeSessions(inTx, { userId: me.userId, only: [sessionId], reason: 'user_revoke' });
    if (ids.length) {
      await audit(inTx, {
        action: 'session_revoked',
        at: svc.now,
        ...actorOf(me),
        target: sessionId,
      });
    }
    return ids;
  });
  if (!revoked.length) throw new DomainError('NOT_FOUND', 'No such session');
  return { current: sessionId === me.sessionId };
}

/** Signs out every other device of the caller. */
export async function revokeOtherSessions(svc: Service): Promise<{ revoked: number }> {
  const me = await requireRecentAuth(svc);
  return svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const ids = await revokeSessions(inTx, {
      userId: me.userId,
      except: me.sessionId,
      reason: 'user_revoke_others',
    });
    await audit(inTx, {
      action: 'session_revoked',
      at: svc.now,
      ...actorOf(me),
      target: me.userId,
      metadata: { revokedSessions: ids.length, others: true },
    });
    return { revoked: ids.length };
  });
}
