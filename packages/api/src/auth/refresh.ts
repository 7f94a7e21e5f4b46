import { schema } from '@skillbytes/db';
import { and, eq, exists, gt, isNull, sql } from 'drizzle-orm';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { type IssuedTokens, revokeSessions } from './sessions.ts';
import {
  formatRefreshToken,
  hashesEqual,
  newSecret,
  parseRefreshToken,
  sha256,
  signAccessToken,
} from './tokens.ts';

const s = schema.sessions;
const u = schema.users;

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
export async function rotateRefresh(svc: ServiceContext, token: string): Promise<IssuedTokens> {
  const { now } = svc;
  const parsed = parseRefreshToken(token);
  if (!parsed) throw new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
  const presented = sha256(parsed.secret);
  const secret = newSecret();
  const idleCutoff = new Date(now.getTime() - svc.config.sessionIdleTtlSec * 1000);

  const outcome = await svc.db.transaction(async (tx): Promise<RefreshOutcome> => {
    const inTx = { ...svc, db: tx };
    const [rotated] = await tx
      .update(s)
      .set({
        refreshHash: sha256(secret),
        previousRefreshHash: presented,
        rotation: sql`${s.rotation} + 1`,
        rotatedAt: now,
        lastUsedAt: now,
      })
      .where(
        and(
          eq(s.id, parsed.sessionId),
          eq(s.refreshHash, presented),
          isNull(s.revokedAt),
          gt(s.expiresAt, now),
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
      await audit(inTx, {
        action: 'session_renewed',
        at: now,
        actorUserId: rotated.userId,
        target: parsed.sessionId,
        sessionId: parsed.sessionId,
        metadata: { rotation: rotated.rotation },
      });
      const access = await signAccessToken(svc, {
        userId: rotated.userId,
        sessionId: parsed.sessionId,
        role: user?.role ?? 'user',
      });
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
      await revokeSessions(inTx, {
        userId: current.userId,
        only: [parsed.sessionId],
        reason: 'token_reuse',
      });
      await audit(inTx, {
        action: 'authn_token_reuse',
        at: now,
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
        .set({ revokedAt: now, revokedReason: 'expired' })
        .where(and(eq(s.id, parsed.sessionId), isNull(s.revokedAt)))
        .returning({ id: s.id });
      if (ended.length) {
        await audit(inTx, {
          action: 'session_expired',
          at: now,
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
