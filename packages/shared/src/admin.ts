import { z } from 'zod';
import { Username } from './auth.ts';
import { text } from './text.ts';
import { Role } from './enums.ts';
import { Cursor, PageDirection } from './pagination.ts';
import { LIMITS } from './limits.ts';

export const AdminUsersListInput = z
  .object({
    /** Matches email, username or name (case-insensitive substring), or an exact user id. */
    query: text().trim().max(LIMITS.emailMax).optional(),
    cursor: Cursor.nullish(),
    direction: PageDirection,
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type AdminUsersListInput = z.input<typeof AdminUsersListInput>;

/** A user named by id or by username (the CLI takes either). */
export const AdminUserRef = z.union([
  z.object({ id: z.uuid() }).strict(),
  z.object({ username: Username }).strict(),
]);
export type AdminUserRef = z.input<typeof AdminUserRef>;

export const SetRoleInput = z.object({ id: z.uuid(), role: Role }).strict();
export type SetRoleInput = z.input<typeof SetRoleInput>;

export const ApiKeyScope = z.enum(['admin']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

/** The public id inside `sbk_<id>_<secret>`. */
export const ApiKeyId = text().regex(/^[0-9a-f]{16}$/, 'An API key id is 16 hex characters');

export const CreateApiKeyInput = z
  .object({
    name: text().trim().min(1).max(100),
    scopes: z.array(ApiKeyScope).min(1).max(10).default(['admin']),
    /** Optional lifetime; keys without one live until revoked. */
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type CreateApiKeyInput = z.input<typeof CreateApiKeyInput>;

export const ApiKeyIdInput = z.object({ id: ApiKeyId }).strict();
export type ApiKeyIdInput = z.input<typeof ApiKeyIdInput>;
