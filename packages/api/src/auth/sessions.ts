import { randomUUID } from 'node:crypto';
import { type Database, type Executor, schema } from '@skillbytes/db';
import type { Role, SessionInfo } from '@skillbytes/shared';
import { and, desc, eq, exists, gt, inArray, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Caller } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import type { AuthEnv } from './env.ts';
import { coarseIp } from './ip.ts';
import {
  type AccessClaims,
  formatRefreshToken,
  hashesEqual,
  newSecret,
  parseRefreshToken,
  sha256,
  signAccessToken,
} from './tokens.ts';

const s = schema.sessions;
const u = schema.users;

/** `last_used_at` is written at most this often: a cheap idle timeout without a write per request. */
const TOUCH_INTERVAL_MS = 3600_000;
/** Ended sessions are kept this long (they explain audit rows), then deleted at the user's next login. */
const ENDED_SESSION_RETENTION_MS = 30 * 86_400_000;

/** Tokens for a browser (as cookies) or a native client (in the body). */
export type IssuedTokens = {
  userId: string;
  sessionId: string;
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string;
  sessionExpiresAt: Date;
};

export const SESSION_REVOKED_EVENT = 'session.revoked';

/**
 * Creates a session (a device) for a user who just proved who they are: always a new id and a new
 * secret, whatever the request carried (no fixation). Beyond `maxSessionsPerUser` the oldest are
 * revoked. Runs in the caller's transaction.
 */
export async function openSession(
  tx: Executor,
  env: AuthEnv,
  user: { id: string; role: Role },
  reason: 'signup' | 'login' | 'password_change',
): Promise<IssuedTokens> {
  const id = randomUUID();
  const secret = newSecret();
  const expiresAt = new Date(env.now.getTime() + env.config.sessionAbsoluteTtlSec * 1000);
  await tx.insert(s).values({
    id,
    userId: user.id,
    refreshHash: sha256(secret),
    createdAt: env.now,
    lastUsedAt: env.now,
    expiresAt,
    userAgent: env.userAgent?.slice(0, 512) ?? null,
    ip: env.ip,
  });
  await tx
    .delete(s)
    .where(
      and(
        eq(s.userId, user.id),
        or(
          lt(s.revokedAt, new Date(env.now.getTime() - ENDED_SESSION_RETENTION_MS)),
          lt(s.expiresAt, new Date(env.now.getTime() - ENDED_SESSION_RETENTION_MS)),
        ),
      ),
    );
  const newest = tx
    .select({ id: s.id })
    .from(s)
    .where(and(eq(s.userId, user.id), isNull(s.revokedAt)))
    .orderBy(desc(s.createdAt), desc(s.id))
    .limit(env.config.maxSessionsPerUser);
  const pruned = await tx
    .update(s)
    .set({ revokedAt: env.now, revokedReason: 'session_limit' })
    .where(and(eq(s.userId, user.id), isNull(s.revokedAt), notInArray(s.id, newest)))
    .returning({ id: s.id });
  if (pruned.length)
    await publishRevoked(
      tx,
      env,
      user.id,
      pruned.map((r) => r.id),
    );
  await audit(tx, env, {
    action: 'session_created',
    at: env.now,
    actorUserId: user.id,
    target: id,
    sessionId: id,
    metadata: { reason, ...(pruned.length ? { revokedOldest: pruned.length } : {}) },
  });
  const access = await signAccessToken(
    env.config,
    { userId: user.id, sessionId: id, role: user.role },
    env.now,
  );
  return {
    userId: user.id,
    sessionId: id,
    accessToken: access.token,
    accessExpiresAt: access.expiresAt,
    refreshToken: formatRefreshToken(id, secret),
    sessionExpiresAt: expiresAt,
  };
}

async function publishRevoked(
  tx: Executor,
  env: AuthEnv,
  userId: string,
  sessionIds: string[],
  all = false,
): Promise<void> {
  await env.events.publish(tx, {
    type: SESSION_REVOKED_EVENT,
    userId,
    payload: all ? { all: true, sessionIds } : { sessionIds },
  });
}

/**
 * Revokes a user's sessions in the caller's transaction and tells every process (subscriptions end):
 * `only` some, all `except` one, or all. Returns the ids that were active.
 */
export async function revokeSessions(
  tx: Executor,
  env: AuthEnv,
  userId: string,
  opts: { only?: string[]; except?: string; reason: string },
): Promise<string[]> {
  const rows = await tx
    .update(s)
    .set({ revokedAt: env.now, revokedReason: opts.reason })
    .where(
      and(
        eq(s.userId, userId),
        isNull(s.revokedAt),
        opts.only ? inArray(s.id, opts.only) : undefined,
        opts.except ? ne(s.id, opts.except) : undefined,
      ),
    )
    .returning({ id: s.id });
  const ids = rows.map((r) => r.id);
  const all = !opts.only && !opts.except;
  // "All" is announced even when nothing was active: API-key streams of this user end too.
  if (ids.length || all) await publishRevoked(tx, env, userId, ids, all);
  return ids;
}

/**
 * Whether a session may still be used: not revoked, within its absolute lifetime, its user not deleted,
 * and (when `idleTtlSec` is given) used recently enough. One primary-key lookup; subscriptions poll it.
 */
export async function isSessionActive(
  db: Executor,
  sessionId: string,
  now: Date,
  idleTtlSec?: number,
): Promise<boolean> {
  const [row] = await db
    .select({ id: s.id })
    .from(s)
    .innerJoin(u, eq(u.id, s.userId))
    .where(
      and(
        eq(s.id, sessionId),
        isNull(s.revokedAt),
        gt(s.expiresAt, now),
        isNull(u.deletedAt),
        idleTtlSec === undefined ? undefined : gt(s.lastUsedAt, new Date(now.getTime() - idleTtlSec * 1000)),
      ),
    )
    .limit(1);
  return Boolean(row);
}

/**
 * The caller behind a verified access token, checked against the database on every request so that a
 * revocation anywhere takes effect on the next request everywhere. The role comes from the user row,
 * not the token (a demoted admin loses admin rights at once).
 */
export async function sessionCaller(
  db: Database,
  idleTtlSec: number,
  claims: AccessClaims,
  now: Date,
): Promise<Caller> {
  const [row] = await db
    .select({
      userId: s.userId,
      revokedAt: s.revokedAt,
      expiresAt: s.expiresAt,
      lastUsedAt: s.lastUsedAt,
      role: u.role,
      deletedAt: u.deletedAt,
    })
    .from(s)
    .innerJoin(u, eq(u.id, s.userId))
    .where(eq(s.id, claims.sessionId))
    .limit(1);
  if (!row || row.userId !== claims.userId) {
    throw new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
  }
  if (row.revokedAt || row.deletedAt) {
    throw new DomainError('SESSION_REVOKED', 'This session was signed out; sign in again');
  }
  const idleSince = now.getTime() - row.lastUsedAt.getTime();
  if (row.expiresAt <= now || idleSince >= idleTtlSec * 1000) {
    throw new DomainError('SESSION_EXPIRED', 'This session has expired; sign in again');
  }
  if (idleSince >= TOUCH_INTERVAL_MS) {
    await db
      .update(s)
      .set({ lastUsedAt: now })
      .where(and(eq(s.id, claims.sessionId), lt(s.lastUsedAt, new Date(now.getTime() - TOUCH_INTERVAL_MS))));
  }
  return { kind: 'session', userId: row.userId, role: row.role, sessionId: claims.sessionId };
}

type RefreshOutcome =
  | { kind: 'rotated'; tokens: IssuedTokens }
  | { kind: 'invalid' | 'revoked' | 'expired' | 'reused' };

/**
 * Rotates a refresh token. The guard is in SQL: the session row is updated only where its current hash
 * is the presented one, so of two refreshes with the same token exactly one matches. The other one
 * (or any later replay of that secret) presents the *previous* secret, which is token reuse: the
 * session is revoked, the winner's new tokens with it (RFC 9700 §4.14). Any other secret is only
 * refused, so knowing a session id is not enough to sign someone out.
 */
export async function rotateRefresh(env: AuthEnv, token: string): Promise<IssuedTokens> {
  const parsed = parseRefreshToken(token);
  if (!parsed) throw new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
  const presented = sha256(parsed.secret);
  const secret = newSecret();
  const idleCutoff = new Date(env.now.getTime() - env.config.sessionIdleTtlSec * 1000);

  const outcome = await env.db.transaction(async (tx): Promise<RefreshOutcome> => {
    const [rotated] = await tx
      .update(s)
      .set({
        refreshHash: sha256(secret),
        previousRefreshHash: presented,
        rotation: sql`${s.rotation} + 1`,
        rotatedAt: env.now,
        lastUsedAt: env.now,
      })
      .where(
        and(
          eq(s.id, parsed.sessionId),
          eq(s.refreshHash, presented),
          isNull(s.revokedAt),
          gt(s.expiresAt, env.now),
          gt(s.lastUsedAt, idleCutoff),
          exists(
            tx
              .select({ one: sql`1` })
              .from(u)
              .where(and(eq(u.id, s.userId), isNull(u.deletedAt))),
          ),
        ),
      )
      .returning({ userId: s.userId, expiresAt: s.expiresAt, rotation: s.rotation });

    if (rotated) {
      const [user] = await tx.select({ role: u.role }).from(u).where(eq(u.id, rotated.userId));
      await audit(tx, env, {
        action: 'session_renewed',
        at: env.now,
        actorUserId: rotated.userId,
        target: parsed.sessionId,
        sessionId: parsed.sessionId,
        metadata: { rotation: rotated.rotation },
      });
      const access = await signAccessToken(
        env.config,
        { userId: rotated.userId, sessionId: parsed.sessionId, role: user?.role ?? 'user' },
        env.now,
      );
      return {
        kind: 'rotated',
        tokens: {
          userId: rotated.userId,
          sessionId: parsed.sessionId,
          accessToken: access.token,
          accessExpiresAt: access.expiresAt,
          refreshToken: formatRefreshToken(parsed.sessionId, secret),
          sessionExpiresAt: rotated.expiresAt,
        },
      };
    }

    const [current] = await tx
      .select({
        userId: s.userId,
        refreshHash: s.refreshHash,
        previousRefreshHash: s.previousRefreshHash,
        revokedAt: s.revokedAt,
      })
      .from(s)
      .where(eq(s.id, parsed.sessionId));
    if (!current) return { kind: 'invalid' };
    if (current.revokedAt) return { kind: 'revoked' };
    if (hashesEqual(current.previousRefreshHash, presented)) {
      await revokeSessions(tx, env, current.userId, { only: [parsed.sessionId], reason: 'token_reuse' });
      await audit(tx, env, {
        action: 'authn_token_reuse',
        at: env.now,
        outcome: 'failure',
        actorUserId: current.userId,
        target: parsed.sessionId,
        sessionId: parsed.sessionId,
      });
      return { kind: 'reused' };
    }
    if (hashesEqual(current.refreshHash, presented)) {
      // The right secret, but the session timed out (idle or absolute) or its user is deleted.
      const ended = await tx
        .update(s)
        .set({ revokedAt: env.now, revokedReason: 'expired' })
        .where(and(eq(s.id, parsed.sessionId), isNull(s.revokedAt)))
        .returning({ id: s.id });
      if (ended.length) {
        await audit(tx, env, {
          action: 'session_expired',
          at: env.now,
          actorUserId: current.userId,
          target: parsed.sessionId,
          sessionId: parsed.sessionId,
        });
      }
      return { kind: 'expired' };
    }
    return { kind: 'invalid' };
  });

  switch (outcome.kind) {
    case 'rotated':
      return outcome.tokens;
    case 'expired':
      throw new DomainError('SESSION_EXPIRED', 'This session has expired; sign in again');
    case 'revoked':
    case 'reused':
      throw new DomainError('SESSION_REVOKED', 'This session was signed out; sign in again');
    default:
      throw new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
  }
}

/** The user's signed-in devices (active sessions), newest first. */
export async function listSessions(
  db: Database,
  userId: string,
  currentSessionId: string | null,
  now: Date,
  idleTtlSec: number,
): Promise<SessionInfo[]> {
  const rows = await db
    .select({
      id: s.id,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      userAgent: s.userAgent,
      ip: s.ip,
    })
    .from(s)
    .where(
      and(
        eq(s.userId, userId),
        isNull(s.revokedAt),
        gt(s.expiresAt, now),
        gt(s.lastUsedAt, new Date(now.getTime() - idleTtlSec * 1000)),
      ),
    )
    .orderBy(desc(s.createdAt), desc(s.id));
  return rows.map((r) => ({ ...r, ip: coarseIp(r.ip), current: r.id === currentSessionId }));
}
