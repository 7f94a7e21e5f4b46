import { type Database, schema } from '@skillbytes/db';
import type {
  ChangePasswordInput,
  DeleteAccountInput,
  Profile,
  UpdateProfileInput,
} from '@skillbytes/shared';
import { and, eq, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import type { Caller } from '../context.ts';
import { DomainError } from '../errors.ts';
import { assertKeepsAnAdmin } from './admins.ts';
import { audit } from './audit.ts';
import { type AuthEnv, actorOf, requireSession } from './env.ts';
import { invalidCredentials, purgeGoneAccounts } from './login.ts';
import { assertStrongPassword, hashPassword, verifyPassword } from './passwords.ts';
import { profileColumns, toProfile } from './profile.ts';
import { type IssuedTokens, openSession, revokeSessions } from './sessions.ts';
import { passwordThrottle } from './throttle.ts';

const u = schema.users;
const k = schema.apiKeys;

const userNotFound = () => new DomainError('USER_NOT_FOUND', 'No such user');

export async function getProfile(db: Database, userId: string): Promise<Profile> {
  const [row] = await db
    .select(profileColumns)
    .from(u)
    .where(and(eq(u.id, userId), isNull(u.deletedAt)));
  if (!row) throw userNotFound();
  return toProfile(row);
}

/** The legacy onboarding steps in one call. Only these fields: role, points, email are not reachable. */
export async function updateProfile(
  env: AuthEnv,
  caller: Caller,
  input: z.output<typeof UpdateProfileInput>,
): Promise<Profile> {
  const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const fields = Object.keys(changes);
  if (fields.length === 0) return getProfile(env.db, caller.userId);
  return env.db.transaction(async (tx) => {
    await purgeGoneAccounts(tx, env, { username: input.username });
    const [row] = await tx
      .update(u)
      .set({ ...changes, updatedAt: env.now })
      .where(and(eq(u.id, caller.userId), isNull(u.deletedAt)))
      .returning(profileColumns);
    if (!row) throw userNotFound();
    // Field names only: values (a name, a username) are personal data the audit trail does not need.
    await audit(tx, env, {
      action: 'user_updated',
      at: env.now,
      ...actorOf(caller),
      target: caller.userId,
      metadata: { fields },
    });
    return toProfile(row);
  });
}

/**
 * Checks a password a signed-in user re-enters (change password, delete account): it shares the
 * account's login throttle (the browser's device cookie picks its bucket as for a login), so these
 * forms are no way around it.
 */
async function confirmPassword(env: AuthEnv, userId: string, password: string) {
  const [user] = await env.db
    .select({
      passwordHash: u.passwordHash,
      email: u.email,
      username: u.username,
      name: u.name,
      role: u.role,
    })
    .from(u)
    .where(and(eq(u.id, userId), isNull(u.deletedAt)));
  if (!user) throw userNotFound();
  const throttle = await passwordThrottle(env, userId, env.deviceToken);
  return {
    user,
    async verify() {
      await throttle.take();
      return verifyPassword(user.passwordHash, password);
    },
    succeeded: () => throttle.succeeded(),
  };
}

/**
 * Changes the password: every session of the user ends (on every process), and the caller gets a
 * brand-new session (new id and tokens) in their place (ASVS 7.4.3).
 */
export async function changePassword(
  env: AuthEnv,
  caller: Caller,
  input: z.output<typeof ChangePasswordInput>,
): Promise<IssuedTokens> {
  const me = requireSession(caller);
  const { user, verify, succeeded } = await confirmPassword(env, me.userId, input.currentPassword);
  assertStrongPassword(input.newPassword, user);
  if (!(await verify())) {
    await audit(env.db, env, {
      action: 'authn_password_change_fail',
      at: env.now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
    });
    throw invalidCredentials();
  }
  const passwordHash = await hashPassword(input.newPassword);
  const tokens = await env.db.transaction(async (tx) => {
    await tx.update(u).set({ passwordHash, updatedAt: env.now }).where(eq(u.id, me.userId));
    const issued = await openSession(tx, env, { id: me.userId, role: user.role }, 'password_change');
    const revoked = await revokeSessions(tx, env, me.userId, {
      except: issued.sessionId,
      reason: 'password_change',
    });
    await audit(tx, env, {
      action: 'authn_password_change',
      at: env.now,
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
export async function deleteAccount(
  env: AuthEnv,
  caller: Caller,
  input: z.output<typeof DeleteAccountInput>,
): Promise<void> {
  const me = requireSession(caller);
  const { user, verify, succeeded } = await confirmPassword(env, me.userId, input.password);
  if (!(await verify())) {
    await audit(env.db, env, {
      action: 'user_deleted',
      at: env.now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
      metadata: { reason: 'wrong_password' },
    });
    throw invalidCredentials();
  }
  await env.db.transaction(async (tx) => {
    if (user.role === 'admin') await assertKeepsAnAdmin(tx, me.userId);
    const [deleted] = await tx
      .update(u)
      .set({ deletedAt: env.now, updatedAt: env.now })
      .where(and(eq(u.id, me.userId), isNull(u.deletedAt)))
      .returning({ id: u.id });
    if (!deleted) throw userNotFound();
    const sessions = await revokeSessions(tx, env, me.userId, { reason: 'account_deleted' });
    const keys = await tx
      .update(k)
      .set({ revokedAt: env.now })
      .where(and(eq(k.userId, me.userId), isNull(k.revokedAt)))
      .returning({ id: k.id });
    await audit(tx, env, {
      action: 'user_deleted',
      at: env.now,
      ...actorOf(me),
      target: me.userId,
      metadata: {
        revokedSessions: sessions.length,
        revokedKeys: keys.length,
        graceDays: env.config.deletionGraceDays,
      },
    });
  });
  await succeeded();
}

/** Signs out one of the caller's devices. Someone else's (or an unknown) session id is NOT_FOUND. */
export async function revokeOwnSession(
  env: AuthEnv,
  caller: Caller,
  sessionId: string,
): Promise<{ current: boolean }> {
  const me = requireSession(caller);
  const revoked = await env.db.transaction(async (tx) => {
    const ids = await revokeSessions(tx, env, me.userId, { only: [sessionId], reason: 'user_revoke' });
    if (ids.length) {
      await audit(tx, env, {
        action: 'session_revoked',
        at: env.now,
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
export async function revokeOtherSessions(env: AuthEnv, caller: Caller): Promise<{ revoked: number }> {
  const me = requireSession(caller);
  return env.db.transaction(async (tx) => {
    const ids = await revokeSessions(tx, env, me.userId, {
      except: me.sessionId,
      reason: 'user_revoke_others',
    });
    await audit(tx, env, {
      action: 'session_revoked',
      at: env.now,
      ...actorOf(me),
      target: me.userId,
      metadata: { revokedSessions: ids.length, others: true },
    });
    return { revoked: ids.length };
  });
}
