import { randomBytes } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Caller, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { hashesEqual, newSecret, sha256 } from './tokens.ts';

const k = schema.apiKeys;
const u = schema.users;

const API_KEY_PREFIX = 'sbk_';
/** `sbk_<16 hex id>_<43 base64url secret>`: the id is public (lookup), the secret 256 random bits. */
const API_KEY = /^sbk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** How much of a key listings show: the prefix and id, enough to recognise it, nothing of the secret. */
const START_CHARS = API_KEY_PREFIX.length + 16;
/** `last_used_at` is written at most once a minute per key. */
const TOUCH_INTERVAL_MS = 60_000;

export function isApiKeyShaped(token: string) {
  return token.startsWith(API_KEY_PREFIX);
}

/** A new key: the full text (shown once), and what is stored. */
export function generateApiKey(): { id: string; key: string; secretHash: string; start: string } {
  const id = randomBytes(8).toString('hex');
  const secret = newSecret();
  const key = `${API_KEY_PREFIX}${id}_${secret}`;
  return { id, key, secretHash: sha256(secret), start: key.slice(0, START_CHARS) };
}

const refused = () => new DomainError('INVALID_TOKEN', 'Invalid, expired or revoked API key');

/**
 * The caller behind an API key, checked on every request: the key must be well formed (malformed keys
 * are refused without a query), known, unrevoked and unexpired, its secret must match (constant time),
 * and its owner must still exist. The key acts with the owner's *current* role, so a demoted owner's
 * keys lose admin rights at once.
 */
export async function apiKeyCaller(svc: Pick<ServiceContext, 'db' | 'now'>, token: string): Promise<Caller> {
  const { db, now } = svc;
  const match = API_KEY.exec(token);
  if (!match) throw refused();
  const [id, secret] = [match[1]!, match[2]!];
  const [row] = await db
    .select({
      secretHash: k.secretHash,
      userId: k.userId,
      scopes: k.scopes,
      expiresAt: k.expiresAt,
      revokedAt: k.revokedAt,
      lastUsedAt: k.lastUsedAt,
      role: u.role,
      deletedAt: u.deletedAt,
    })
    .from(k)
    .innerJoin(u, eq(u.id, k.userId))
    .where(eq(k.id, id))
    .limit(1);
  const secretMatches = hashesEqual(row?.secretHash, sha256(secret));
  if (!row || !secretMatches || row.revokedAt || row.deletedAt || (row.expiresAt && row.expiresAt <= now)) {
    throw refused();
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
    const cutoff = new Date(now.getTime() - TOUCH_INTERVAL_MS);
    await db
      .update(k)
      .set({ lastUsedAt: now })
      .where(and(eq(k.id, id), or(isNull(k.lastUsedAt), lt(k.lastUsedAt, cutoff))));
  }
  return { kind: 'apiKey', userId: row.userId, role: row.role, keyId: id, scopes: row.scopes };
}

/** Whether a key may still be used (not revoked or expired, owner not deleted): one primary-key lookup. */
export async function isApiKeyActive(
  svc: Pick<ServiceContext, 'db' | 'now'>,
  keyId: string,
): Promise<boolean> {
  const { db, now } = svc;
  const [row] = await db
    .select({ id: k.id })
    .from(k)
    .innerJoin(u, eq(u.id, k.userId))
    .where(
      and(
        eq(k.id, keyId),
        isNull(k.revokedAt),
        or(isNull(k.expiresAt), gt(k.expiresAt, now)),
        isNull(u.deletedAt),
      ),
    )
    .limit(1);
  return Boolean(row);
}
