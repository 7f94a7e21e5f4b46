import { z } from 'zod';
import { Role } from './enums.ts';
import { Cursor } from './pagination.ts';
import { LIMITS } from './limits.ts';

export const AdminUsersListInput = z
  .object({
    query: z.string().trim().max(LIMITS.emailMax).optional(),
    cursor: Cursor.nullish(),
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type AdminUsersListInput = z.input<typeof AdminUsersListInput>;

export const SetRoleInput = z.object({ id: z.uuid(), role: Role }).strict();
export type SetRoleInput = z.input<typeof SetRoleInput>;

export const ApiKeyScope = z.enum(['admin']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const CreateApiKeyInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(ApiKeyScope).max(10).default(['admin']),
  })
  .strict();
export type CreateApiKeyInput = z.input<typeof CreateApiKeyInput>;
