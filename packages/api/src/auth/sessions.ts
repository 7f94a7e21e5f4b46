import { randomUUID } from 'node:crypto';
import { prepareNamed, schema, statementsFor } from '@skillbytes/db';
import type { Role, SessionInfo } from '@skillbytes/shared';
import { and, desc, eq, gt, inArray, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Caller, Service, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { readSession } from './session-reads.ts';
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
 * revoked. Runs in the caller's transaction (`svc.db`).
 */
export async function openSession(
  svc: ServiceContext,
  { user, reason }: { user: { id: string; role: Role }; reason: 'signup' | 'login' | 'password_change' },
): Promise<IssuedTokens> {
  const { db, now } = svc;
  const id = randomUUID();
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + svc.config.sessionAbsoluteTtlSec * 1000);
  await db.insert(s).values({
    id,
    userId: user.id,
    refreshHash: sha256(secret),
    createdAt: now,
    lastUsedAt: now,
    // Every session is opened by a proof (password, or password and TOTP): the step-up window starts.
    reauthenticatedAt: now,
    expiresAt,
    userAgent: svc.userAgent?.slice(0, 512) ?? null,
    ip: svc.ip,
  });
  await db
    .delete(s)
    .where(
      and(
        eq(s.userId, user.id),
        or(
          lt(s.revokedAt, new Date(now.getTime() - ENDED_SESSION_RETENTION_MS)),
          lt(s.expiresAt, new Date(now.getTime() - ENDED_SESSION_RETENTION_MS)),
        ),
      ),
    );
  const newest = db
    .select({ id: s.id })
    .from(s)
    .where(and(eq(s.userId, user.id), isNull(s.revokedAt)))
    .orderBy(desc(s.createdAt), desc(s.id))
    .limit(svc.config.maxSessionsPerUser);
  const pruned = await db
    .update(s)
    .set({ revokedAt: now, revokedReason: 'session_limit' })
    .where(and(eq(s.userId, user.id), isNull(s.revokedAt), notInArray(s.id, newest)))
    .returning({ id: s.id });
  if (pruned.length) await publishRevoked(svc, { userId: user.id, sessionIds: pruned.map((r) => r.id) });
  await audit(svc, {
    action: 'session_created',
    at: now,
    actorUserId: user.id,
    target: id,
    sessionId: id,
    metadata: { reason, ...(pruned.length ? { revokedOldest: pruned.length } : {}) },
  });
  const access = await signAccessToken(svc, { userId: user.id, sessionId: id, role: user.role });
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
  svc: ServiceContext,
  { userId, sessionIds, all = false }: { userId: string; sessionIds: string[]; all?: boolean },
): Promise<void> {
  await svc.events.publish(svc.db, {
    type: SESSION_REVOKED_EVENT,
    userId,
    payload: all ? { all: true, sessionIds } : { sessionIds },
  });
}

/**
 * Revokes a user's sessions in the caller's transaction (`svc.db`) and tells every process
 * (subscriptions end): `only` some, all `except` one, or all. Returns the ids that were active.
 */
export async function revokeSessions(
  svc: ServiceContext,
  opts: { userId: string; only?: string[]; except?: string; reason: string },
): Promise<string[]> {
  const { userId } = opts;
  const rows = await svc.db
    .update(s)
    .set({ revokedAt: svc.now, revokedReason: opts.reason })
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
  if (ids.length || all) await publishRevoked(svc, { userId, sessionIds: ids, all });
  return ids;
}

/**
 * The per-request session check and the subscriptions' poll, prepared once per database: every authed
 * call runs one of them. Primary-key lookups (at most one row), so no LIMIT.
 */
const statements = statementsFor((db) => ({
  isActive: prepareNamed(
    'session_is_active',
    db
      .select({ id: s.id })
      .from(s)
      .innerJoin(u, eq(u.id, s.userId))
      .where(
        and(
          eq(s.id, sql.placeholder('sessionId')),
          isNull(s.revokedAt),
          gt(s.expiresAt, sql.placeholder('now')),
          isNull(u.deletedAt),
        ),
      ),
  ),
}));

/**
 * Whether a session may still be used: not revoked, within its absolute lifetime, its user not deleted.
 * One primary-key lookup; subscriptions poll it.
 */
export async function isSessionActive(
  svc: Pick<ServiceContext, 'db' | 'now'>,
  sessionId: string,
): Promise<boolean> {
  const [row] = await statements(svc.db).isActive.execute({ sessionId, now: svc.now.toISOString() });
  return Boolean(row);
}

/**
 * The caller behind a verified access token, checked against the database on every request so that a
 * revocation anywhere takes effect on the next request everywhere (concurrent requests share the
 * read: ./session-reads.ts). The role comes from the user row,
 * not the token (a demoted admin loses admin rights at once).
 */
export async function sessionCaller(
  svc: Pick<ServiceContext, 'db' | 'config' | 'now'>,
  claims: AccessClaims & { expiresAt?: Date },
  /** `false` for a token that is refused anyway (expired): a refused request never extends the session. */
  opts: { touch?: boolean } = {},
): Promise<Caller> {
  const { db, now } = svc;
  const idleTtlSec = svc.config.sessionIdleTtlSec;
  const row = await readSession(db, claims.sessionId);
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
  if (opts.touch !== false && idleSince >= TOUCH_INTERVAL_MS) {
    await db
      .update(s)
      .set({ lastUsedAt: now })
      .where(and(eq(s.id, claims.sessionId), lt(s.lastUsedAt, new Date(now.getTime() - TOUCH_INTERVAL_MS))));
  }
  return {
    kind: 'session',
    userId: row.userId,
    role: row.role,
    sessionId: claims.sessionId,
    ...(claims.expiresAt ? { accessExpiresAt: claims.expiresAt } : {}),
  };
}

/**
 * The session whose current or previous refresh secret this token holds, with what decides whether
 * it may still be used; undefined for anything else (garbage, a guess, an unknown session): the same
 * answer whether or not the id names a session, so a wrong secret says nothing about it.
 */
async function sessionOfRefreshToken(svc: Pick<ServiceContext, 'db'>, token: string) {
  const parsed = parseRefreshToken(token);
  if (!parsed) return undefined;
  const presented = sha256(parsed.secret);
  const [row] = await svc.db
    .select({
      userId: s.userId,
      refreshHash: s.refreshHash,
      previousRefreshHash: s.previousRefreshHash,
      revokedAt: s.revokedAt,
      expiresAt: s.expiresAt,
      lastUsedAt: s.lastUsedAt,
      deletedAt: u.deletedAt,
    })
    .from(s)
    .innerJoin(u, eq(u.id, s.userId))
    .where(eq(s.id, parsed.sessionId));
  const isProven =
    row && (hashesEqual(row.refreshHash, presented) || hashesEqual(row.previousRefreshHash, presented));
  return isProven ? { ...row, id: parsed.sessionId } : undefined;
}

/**
 * The session whose current or previous refresh secret this token holds (`auth.logout` without an
 * access token), or undefined when that session already ended; any other token is INVALID_TOKEN.
 */
export async function sessionProvenBy(
  svc: Pick<ServiceContext, 'db'>,
  token: string,
): Promise<{ id: string; userId: string } | undefined> {
  const session = await sessionOfRefreshToken(svc, token);
  if (!session) throw new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
  return session.revokedAt ? undefined : { id: session.id, userId: session.userId };
}

/**
 * Why a request with a refresh cookie but no access token is refused. TOKEN_EXPIRED ("refresh, then
 * retry") only when the cookie holds its session's current or previous secret (another tab may have
 * just rotated it) and a refresh can still succeed; the session's end when it proves one that ended;
 * INVALID_TOKEN for any other value. A cookie that cannot be refreshed must not send a client to
 * `auth.refresh`: a browser that cannot drop it (a cookie of another Path or Domain) would loop.
 */
export async function refreshCookieRefusal(
  svc: Pick<ServiceContext, 'db' | 'config' | 'now'>,
  token: string,
): Promise<DomainError> {
  const session = await sessionOfRefreshToken(svc, token);
  if (!session) return new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
  if (session.revokedAt || session.deletedAt) {
    return new DomainError('SESSION_REVOKED', 'This session was signed out; sign in again');
  }
  const idleSince = svc.now.getTime() - session.lastUsedAt.getTime();
  if (session.expiresAt <= svc.now || idleSince >= svc.config.sessionIdleTtlSec * 1000) {
    return new DomainError('SESSION_EXPIRED', 'This session has expired; sign in again');
  }
  return new DomainError('TOKEN_EXPIRED', 'The access token has expired: refresh it');
}

/** The caller's signed-in devices (active sessions), newest first. */
export async function listSessions(svc: Service): Promise<SessionInfo[]> {
  const { db, now, caller } = svc;
  const idleTtlSec = svc.config.sessionIdleTtlSec;
  const currentSessionId = caller.kind === 'session' ? caller.sessionId : null;
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
        eq(s.userId, caller.userId),
        isNull(s.revokedAt),
        gt(s.expiresAt, now),
        gt(s.lastUsedAt, new Date(now.getTime() - idleTtlSec * 1000)),
      ),
    )
    .orderBy(desc(s.createdAt), desc(s.id));
  return rows.map((r) => ({ ...r, ip: coarseIp(r.ip), current: r.id === currentSessionId }));
}
