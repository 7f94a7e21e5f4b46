import { DomainError } from '../errors.ts';
import { isUuid } from './uuid.ts';

/**
 * Keyset cursors: the position of the last row of a page, opaque to clients (base64url JSON of a
 * tuple). Whatever comes back is checked field by field before it reaches SQL, so a forged cursor is
 * a VALIDATION_FAILED and never a database error (a 500).
 *
 * - `timestamptz`: PostgreSQL's own text for the value (`col::text`), so microseconds survive the round
 *   trip and a row written by `now()` is neither skipped nor repeated; it must be a real calendar date
 *   and time, with an offset PostgreSQL accepts.
 * - `uuid`: the 8-4-4-4-12 hex form.
 * - `count`: a non-negative integer in PostgreSQL's `integer` range (points, counts).
 */
type FieldKind = 'timestamptz' | 'uuid' | 'count';
type Fields = Record<string, FieldKind>;
type Position<F extends Fields> = { [K in keyof F]: F[K] extends 'count' ? number : string };

type CursorCodec<P> = {
  encode(position: P): string;
  /** The position a cursor names, or null for none (the first page). */
  decode(cursor: string | null | undefined): P | null;
  /** Splits `limit + 1` fetched rows into a page and the cursor after its last row. */
  page<T>(rows: T[], limit: number, positionOf: (row: T) => P): { rows: T[]; nextCursor: string | null };
};

const INT4_MAX = 2 ** 31 - 1;

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2})(?::(\d{2})(?::(\d{2}))?)?)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/** A date PostgreSQL reads as written: years 1-9999, a real day of the month, 00:00:00-23:59:59. */
function isTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offH = 0, offM = 0, offS = 0] = m
    .slice(1)
    .map((part) => Number(part ?? 0));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day > daysInMonth || hour > 23 || minute > 59 || second > 59) return false;
  // PostgreSQL refuses a time zone displacement beyond ±15:59:59.
  return offH <= 15 && offM <= 59 && offS <= 59;
}

const isValid: Record<FieldKind, (value: unknown) => boolean> = {
  timestamptz: (v) => typeof v === 'string' && isTimestamp(v),
  uuid: (v) => typeof v === 'string' && isUuid(v),
  count: (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= INT4_MAX,
};

const invalidCursor = () =>
  new DomainError('VALIDATION_FAILED', 'Invalid cursor: pass back the nextCursor of a previous page');

/** A cursor for positions of these named fields, in this order on the wire. */
export function cursorCodec<const F extends Fields>(fields: F): CursorCodec<Position<F>> {
  const names = Object.keys(fields);
  const kinds = Object.values(fields);
  const encode = (position: Position<F>) =>
    Buffer.from(JSON.stringify(names.map((n) => position[n]))).toString('base64url');
  return {
    encode,
    decode(cursor) {
      if (!cursor) return null;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalidCursor();
      }
      if (!Array.isArray(value) || value.length !== kinds.length) throw invalidCursor();
      if (!kinds.every((kind, i) => isValid[kind](value[i]))) throw invalidCursor();
      return Object.fromEntries(names.map((n, i) => [n, value[i]])) as Position<F>;
    },
    page(rows, limit, positionOf) {
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      const last = page.at(-1);
      return { rows: page, nextCursor: hasMore && last !== undefined ? encode(positionOf(last)) : null };
    },
  };
}

/** `(created/awarded at, id)`: the lists shown newest first. */
export const timeCursor = cursorCodec({ at: 'timestamptz', id: 'uuid' });
