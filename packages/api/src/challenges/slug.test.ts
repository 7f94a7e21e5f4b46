import { describe, expect, it } from 'vitest';
import { slugify } from './slug.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('slugify', () => {
  it('lower-cases, strips accents and joins words with single dashes', () => {
    expect(slugify('Two Sum')).toBe('two-sum');
    expect(slugify('  Crème Brûlée: the -- Sequel!  ')).toBe('creme-brulee-the-sequel');
    expect(slugify('C++ & C#')).toBe('c-c');
  });

  it('never returns an empty slug and leaves room for a suffix', () => {
    expect(slugify('!!!')).toBe('challenge');
    expect(slugify('日本語')).toBe('challenge');
    const long = slugify('word '.repeat(100));
    expect(long.length).toBeLessThanOrEqual(92);
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('keyset cursors', () => {
  it('round-trip a PostgreSQL timestamp text with microseconds', () => {
    const position = { at: '2026-03-02 12:00:00.123456+00', id: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(decodeCursor(null)).toBeNull();
  });

  it('reject anything that is not a cursor the server made', () => {
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      'x',
      forge({}),
      forge(['yesterday', 'id']),
      forge(['2026-03-02 12:00:00+00', 'not-a-uuid']),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(/Invalid cursor/);
    }
  });
});
