import { DomainError } from '../errors.ts';

/**
 * Keyset cursors: the position of the last row of a page, `(timestamp, id)`. The timestamp travels as
 * PostgreSQL's own text for the value (`col::text`), so microseconds survive the round trip and a row
 * written by `now()` is neither skipped nor repeated. Opaque to clients (base64url JSON).
 */
export type KeysetPosition = { at: string; id: string };

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2}){0,2}|Z)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string | null | undefined): KeysetPosition | null {
  if (!cursor) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      TIMESTAMP.test(value[0]) &&
      UUID.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {}
  throw new DomainError('VALIDATION_FAILED', 'Invalid cursor: pass back the nextCursor of a previous page');
}

/** Splits `limit + 1` fetched rows into a page and the cursor of the next one. */
export function pageOf<T extends { cursorAt: string; cursorId: string }>(
  rows: T[],
  limit: number,
): { rows: T[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: hasMore && last ? encodeCursor({ at: last.cursorAt, id: last.cursorId }) : null,
  };
}
