import { describe, expect, it } from 'vitest';
import { decode, deepEqual, encodeJson, toShown } from './codec.ts';

describe('deepEqual', () => {
  it('treats NaN as equal to NaN and -0 as equal to 0', () => {
    expect(deepEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(deepEqual([-0], [0])).toBe(true);
    expect(deepEqual(1, Number.NaN)).toBe(false);
  });

  it('ignores object key order and respects array order', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });

  it('does not confuse null, undefined, strings and numbers', () => {
    expect(deepEqual(undefined, null)).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
    expect(deepEqual({ a: undefined }, { b: undefined })).toBe(false);
  });
});

describe('decode', () => {
  it('restores values JSON cannot carry', () => {
    const text = '[{"\\u0000":"NaN"},{"\\u0000":"-0"},{"\\u0000":"Infinity"},{"\\u0000":"bigint","v":"12"}]';
    const [nan, negativeZero, infinity, big] = decode(text) as unknown[];
    expect(nan).toBeNaN();
    expect(Object.is(negativeZero, -0)).toBe(true);
    expect(infinity).toBe(Number.POSITIVE_INFINITY);
    expect(big).toBe(12n);
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
