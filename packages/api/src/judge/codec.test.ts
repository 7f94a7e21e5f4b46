import { describe, expect, it } from 'vitest';
import { decode, encode, encodeJson, toShown } from './codec.ts';
import { deepEqual } from './equality.ts';

describe('decode', () => {
  it('restores values JSON cannot carry', () => {
    const text =
      '[{"\\u0000":"NaN"},{"\\u0000":"-0"},{"\\u0000":"Infinity"},{"\\u0000":"bigint","v":"12"},' +
      '{"\\u0000":"date","v":86400000},{"\\u0000":"map","v":[[1,{"\\u0000":"undefined"}]]},{"\\u0000":"set","v":["a"]}]';
    const [nan, negativeZero, infinity, big, date, map, set] = decode(text) as unknown[];
    expect(nan).toBeNaN();
    expect(Object.is(negativeZero, -0)).toBe(true);
    expect(infinity).toBe(Number.POSITIVE_INFINITY);
    expect(big).toBe(12n);
    expect(date).toEqual(new Date('1970-01-02T00:00:00.000Z'));
    expect(map).toEqual(new Map([[1, undefined]]));
    expect(set).toEqual(new Set(['a']));
  });

  it('never lets a returned function equal an expected value', () => {
    const fn = decode('{"\\u0000":"function","v":"f"}');
    expect(deepEqual(fn, '[Function f]')).toBe(false);
    expect(toShown(fn)).toBe('[Function f]');
  });

  it('round-trips keys that start with NUL', () => {
    const value = { '\u0000': 1, '\u0000x': [2], plain: 3 };
    expect(decode(encodeJson(value))).toEqual(value);
  });
});

describe('encode', () => {
  it('carries every typed value, nested anywhere', () => {
    const value = [
      10n ** 25n,
      new Date(Date.UTC(2024, 0, 2)),
      new Map<unknown, unknown>([
        [1n, new Set([Number.NaN, -Infinity])],
        [{ k: -0 }, [undefined]],
      ]),
      { '\u0000tag': new Date(0) },
    ];
    const back = decode(encode(value)) as unknown[];
    expect(back).toEqual(value);
    const map = back[2] as Map<unknown, unknown>;
    expect(Object.is(([...map.keys()][1] as { k: number }).k, -0)).toBe(true);
  });

  it('reads a test from the author form', () => {
    const text = encodeJson([{ $bigint: '5' }, { $object: { $set: [1] } }, { $number: '-0' }]);
    const [big, literal, zero] = decode(text) as unknown[];
    expect(big).toBe(5n);
    expect(literal).toEqual({ $set: [1] });
    expect(Object.is(zero, -0)).toBe(true);
  });
});

describe('toShown', () => {
  it('shows what a verdict holds in the author form, so it can be pasted into a test', () => {
    const shown = toShown([undefined, 12n, Number.NaN, -0, new Date(0), new Map([[1, new Set(['x'])]])]);
    expect(shown).toEqual([
      { $undefined: true },
      { $bigint: '12' },
      { $number: 'NaN' },
      { $number: '-0' },
      { $date: '1970-01-01T00:00:00.000Z' },
      { $map: [[1, { $set: ['x'] }]] },
    ]);
  });

  it('shows what the author form cannot hold as text, and cuts long values', () => {
    expect(toShown([new Date(Number.NaN), decode('{"\\u0000":"symbol","v":"s"}')])).toEqual([
      'Invalid Date',
      'Symbol(s)',
    ]);
    expect(toShown('x'.repeat(5000))).toMatch(/… \(truncated\)$/);
  });
});
