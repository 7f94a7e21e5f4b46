import { describe, expect, it } from 'vitest';
import { cursorCodec, timeCursor } from './cursor.ts';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const board = cursorCodec({ points: 'count', id: 'uuid' });

describe('keyset cursors', () => {
  it.each([
    '2026-03-02 12:00:00.123456+00',
    '2026-03-02 12:00:00+00',
    '2024-02-29 23:59:59.5+05:30',
    '1901-12-13 20:45:52+00:09:21',
    '2026-03-02T12:00:00Z',
    '2026-03-02 12:00:00',
  ])('round-trip the PostgreSQL timestamp text %s', (at) => {
    expect(timeCursor.decode(timeCursor.encode({ at, id: ID }))).toEqual({ at, id: ID });
  });

  it('round-trip integer positions and read no cursor as the first page', () => {
    expect(board.decode(board.encode({ points: 2_147_483_647, id: ID }))).toEqual({
      points: 2_147_483_647,
      id: ID,
    });
    expect(timeCursor.decode(null)).toBeNull();
    expect(timeCursor.decode(undefined)).toBeNull();
  });

  it.each([
    ['not base64 JSON', 'x'],
    ['not JSON', Buffer.from('["2026-03-02').toString('base64url')],
    ['an object', forge({ at: '2026-03-02 12:00:00+00', id: ID })],
    ['too few fields', forge(['2026-03-02 12:00:00+00'])],
    ['too many fields', forge(['2026-03-02 12:00:00+00', ID, 1])],
    ['a word for a date', forge(['yesterday', ID])],
    ['month 13, day 45, 25:61:61', forge(['2024-13-45 25:61:61', ID])],
    ['February 30', forge(['2026-02-30 12:00:00+00', ID])],
    ['February 29 of a common year', forge(['2100-02-29 12:00:00+00', ID])],
    ['year 0', forge(['0000-01-01 00:00:00+00', ID])],
    ['hour 24', forge(['2026-03-02 24:00:00+00', ID])],
    ['second 60', forge(['2026-03-02 23:59:60+00', ID])],
    ['an offset beyond ±15:59', forge(['2026-03-02 12:00:00+16', ID])],
    ['seven fraction digits', forge(['2026-03-02 12:00:00.1234567+00', ID])],
    ['SQL in the date', forge(["2026-01-01'; drop table users; --", ID])],
    ['a number for a date', forge([1_767_225_600_000, ID])],
    ['not a uuid', forge(['2026-03-02 12:00:00+00', 'not-a-uuid'])],
    ['a uuid with a trailing character', forge(['2026-03-02 12:00:00+00', `${ID}0`])],
  ])('refuse a forged time cursor: %s', (_name, cursor) => {
    expect(() => timeCursor.decode(cursor)).toThrow(/Invalid cursor/);
  });

  it.each([
    ['a fraction', forge([1.5, ID])],
    ['a negative number', forge([-1, ID])],
    ['beyond integer range', forge([2_147_483_648, ID])],
    ['infinity (1e400)', Buffer.from(`[1e400,"${ID}"]`).toString('base64url')],
    ['a numeric string', forge(['10', ID])],
    ['null', forge([null, ID])],
  ])('refuse a forged points cursor: %s', (_name, cursor) => {
    expect(() => board.decode(cursor)).toThrow(/Invalid cursor/);
  });

  it('pages limit + 1 rows into a page and the cursor of its last row', () => {
    const rows = [1, 2, 3].map((n) => ({ points: 10 - n, id: ID }));
    const page = board.page(rows, 2, (r) => r);
    expect(page.rows).toHaveLength(2);
    expect(board.decode(page.nextCursor)).toEqual({ points: 8, id: ID });
    expect(board.page(rows, 3, (r) => r).nextCursor).toBeNull();
  });
});
