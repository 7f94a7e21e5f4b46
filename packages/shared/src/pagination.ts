import { z } from 'zod';
import { LIMITS } from './limits.ts';
import { text } from './text.ts';

/** Opaque cursor strings: the server encodes its position; clients pass `nextCursor` back unchanged. */
export const Cursor = text().min(1).max(200);

export const PageInput = z
  .object({
    cursor: Cursor.nullish(),
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type PageInput = z.input<typeof PageInput>;

export type Page<T> = { items: T[]; nextCursor: string | null };
