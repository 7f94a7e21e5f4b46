import { describe, expect, it } from 'vitest';
import { slugify } from './slug.ts';

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
