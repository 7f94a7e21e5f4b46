import { z } from 'zod';
import { LIMITS } from './limits.ts';
import { text } from './text.ts';

/** Opaque cursor strings: the server encodes its position; clients pass `nextCursor` back unchanged. */
export const Cursor = text().min(1).max(200);

/**
 * What tRPC's infinite queries (`useInfiniteQuery`, `infiniteQueryOptions`) add to a page's input.
 * Pages only go forward (keyset cursors from `nextCursor`), so `backward` is refused rather than
 * answered with the wrong page.
 */
export const PageDirection = z
  .literal('forward', { error: 'Pages only go forward: pass nextCursor back as cursor' })
  .optional();

export const PageInput = z
  .object({
    cursor: Cursor.nullish(),
    direction: PageDirection,
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type PageInput = z.input<typeof PageInput>;

export type Page<T> = { items: T[]; nextCursor: string | null };
