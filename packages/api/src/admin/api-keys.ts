import { schema } from '@skillbytes/db';
import type { ApiKeyIdInput, CreateApiKeyInput } from '@skillbytes/shared';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import { generateApiKey } from '../auth/api-keys.ts';
import { actorOf, audit } from '../auth/audit.ts';
import { requireSession } from '../auth/require-session.ts';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';

const k = schema.apiKeys;
const u = schema.users;

/** Never the secret or its hash. */
const keyColumns = {
  id: k.id,
  name: k.name,
  start: k.start,
  scopes: k.scopes,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
};

/**
 * Creates a key owned by the calling admin. The full key is in this response only; the database keeps
 * its SHA-256. Only a password session can mint keys: a leaked key cannot make itself permanent.
 */
export async function createApiKey(svc: Service, input: z.output<typeof CreateApiKeyInput>) {
  const { now } = svc;
  const me = requireSession(svc.caller);
  const generated = generateApiKey();
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null;
  return svc.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(k)
      .values({
        id: generated.id,
        userId: me.userId,
        name: input.name,
        secretHash: generated.secretHash,
        start: generated.start,
        scopes: [...new Set(input.scopes)],
        createdAt: now,
        expiresAt,
      })
      .returning(keyColumns);
    if (!row) throw new Error('api key insert returned nothing');
    const inTx = { ...svc, db: tx };
    await audit(inTx, {
      action: 'authn_token_created',
      at: now,
      ...actorOf(me),
      target: row.id,
      metadata: { name: row.name, scopes: row.scopes, expiresAt: row.expiresAt?.toISOString() ?? null },
    });
    return { ...row, key: generated.key };
  });
}

/** Every key, newest first, with its owner. */
export async function listApiKeys(svc: Service) {
  return svc.db
    .select({ ...keyColumns, owner: { id: u.id, email: u.email, username: u.username } })
    .from(k)
    .innerJoin(u, eq(u.id, k.userId))
    .orderBy(desc(k.createdAt), desc(k.id));
}

/** Revokes a key (any admin may: incident response). Revoking a revoked key changes nothing. */
export async function revokeApiKey(svc: Service, { id }: z.output<typeof ApiKeyIdInput>) {
  const { now } = svc;
  return svc.db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(k)
      .set({ revokedAt: now })
      .where(and(eq(k.id, id), isNull(k.revokedAt)))
      .returning(keyColumns);
    if (revoked) {
      const inTx = { ...svc, db: tx };
      await audit(inTx, { action: 'authn_token_revoked', at: now, ...actorOf(svc.caller), target: id });
      return revoked;
    }
    const [existing] = await tx.select(keyColumns).from(k).where(eq(k.id, id));
    if (!existing) throw new DomainError('NOT_FOUND', 'No such API key');
    return existing;
  });
}
