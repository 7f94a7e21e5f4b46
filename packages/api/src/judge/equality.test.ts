import { describe, expect, it } from 'vitest';
import { matches } from './compare.ts';
import { decode } from './codec.ts';
import { canonical, deepEqual, sameMembers } from './equality.ts';

describe('deepEqual', () => {
  it('treats NaN as equal to NaN; an expected 0 takes -0, an expected -0 wants -0', () => {
    expect(deepEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(deepEqual([-0], [0])).toBe(true);
    expect(deepEqual([0], [-0])).toBe(false);
    expect(deepEqual(-0, -0)).toBe(true);
    expect(deepEqual(1, Number.NaN)).toBe(false);
  });

  it('ignores object key order and respects array order', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });

  it('does not confuse null, undefined, strings, numbers and BigInts', () => {
    expect(deepEqual(undefined, null)).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
    expect(deepEqual(1n, 1)).toBe(false);
    expect(deepEqual(1, 1n)).toBe(false);
    expect(deepEqual(10n ** 20n, 100000000000000000000n)).toBe(true);
    expect(deepEqual([undefined], [null])).toBe(false);
  });

  it('counts a property whose value is undefined as missing, as Jest toEqual does', () => {
    expect(deepEqual({ a: undefined }, {})).toBe(true);
    expect(deepEqual({}, { a: undefined })).toBe(true);
    expect(deepEqual({ a: undefined }, { b: undefined })).toBe(true);
    expect(deepEqual({ a: undefined, b: 1 }, { b: 1 })).toBe(true);
    expect(deepEqual({ a: null }, {})).toBe(false);
    // Array elements are not properties that may be missing.
    expect(deepEqual([undefined], [])).toBe(false);
  });

  it('compares Dates by their time', () => {
    expect(deepEqual(new Date(5), new Date(5))).toBe(true);
    expect(deepEqual(new Date(5), new Date(6))).toBe(false);
    expect(deepEqual(new Date(0), {})).toBe(false);
    expect(deepEqual('1970-01-01T00:00:00.000Z', new Date(0))).toBe(false);
  });

  it('compares Maps by their entries in any order, object keys deeply', () => {
    const expected = new Map<unknown, unknown>([
      ['a', 1],
      [[1, 2], 'pair'],
      [Number.NaN, 'nan'],
    ]);
    const reordered = new Map<unknown, unknown>([
      [[1, 2], 'pair'],
      [Number.NaN, 'nan'],
      ['a', 1],
    ]);
    expect(deepEqual(reordered, expected)).toBe(true);
    expect(deepEqual(new Map([['a', 2]]), new Map([['a', 1]]))).toBe(false);
    expect(deepEqual(new Map([[1, 'x']]), new Map([[1n, 'x']]))).toBe(false);
    expect(deepEqual(new Map([[[1], 'x']]), new Map([[[2], 'x']]))).toBe(false);
    expect(deepEqual(new Map([['a', 1]]), { a: 1 })).toBe(false);
    // Two keys that are deeply equal are two entries, each needing its own partner.
    const twice = new Map<unknown, unknown>([
      [[1], 'x'],
      [[1], 'y'],
    ]);
    const swapped = new Map<unknown, unknown>([
      [[1], 'y'],
      [[1], 'x'],
    ]);
    expect(deepEqual(swapped, twice)).toBe(true);
    expect(
      deepEqual(
        new Map([
          [[1], 'x'],
          [[1], 'x'],
        ]),
        twice,
      ),
    ).toBe(false);
  });

  it('compares Sets as unordered collections with deep members', () => {
    expect(deepEqual(new Set([1, 2, 3]), new Set([3, 1, 2]))).toBe(true);
    expect(deepEqual(new Set([[1], { a: 2 }]), new Set([{ a: 2 }, [1]]))).toBe(true);
    expect(deepEqual(new Set([1, 2]), new Set([1, 3]))).toBe(false);
    expect(deepEqual(new Set([1]), [1])).toBe(false);
    expect(deepEqual(new Set([1n]), new Set([1]))).toBe(false);
  });

  it('agrees with canonical: equal values have the same canonical text', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: [1, new Set([2, 3])], b: undefined }, { a: [1, new Set([3, 2])] }],
      [
        new Map<unknown, unknown>([
          [{ x: 1 }, -0],
          ['k', 2n],
        ]),
        new Map<unknown, unknown>([
          ['k', 2n],
          [{ x: 1 }, 0],
        ]),
      ],
      [new Date(7), new Date(7)],
    ];
    for (const [a, b] of pairs) {
      expect(deepEqual(a, b)).toBe(true);
      expect(canonical(a)).toBe(canonical(b));
    }
  });
});

describe('sameMembers', () => {
  it('is a multiset comparison that still respects an expected -0', () => {
    expect(sameMembers([1, 1, 2], [1, 2, 1])).toBe(true);
    expect(sameMembers([1, 2, 2], [1, 1, 2])).toBe(false);
    expect(sameMembers([-0, 0], [0, -0])).toBe(true);
    expect(sameMembers([0, 0], [0, -0])).toBe(false);
    expect(sameMembers([[-0], [0]], [[0], [0]])).toBe(true);
  });

  it('pairs up a hundred thousand equal items in linear time', () => {
    const zeros = Array.from({ length: 100_000 }, () => 0);
    const started = performance.now();
    expect(sameMembers(zeros, [...zeros])).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('matches', () => {
  it('reaches numbers inside arrays, objects and Map values when approximate', () => {
    const approx = { mode: 'approx' as const, abs: 1e-6 };
    const actual = { xs: [0.1 + 0.2], m: new Map([['k', 1.2345678]]) };
    expect(matches(actual, { xs: [0.3], m: new Map([['k', 1.23456785]]) }, approx)).toBe(true);
    expect(matches(actual, { xs: [0.3], m: new Map([['k', 1.3]]) }, approx)).toBe(false);
    // Map keys and Set members compare exactly.
    expect(matches(new Map([[0.30000001, 1]]), new Map([[0.3, 1]]), approx)).toBe(false);
    expect(matches(new Set([0.30000001]), new Set([0.3]), approx)).toBe(false);
  });

  it('compares arrays and Sets in any order when unordered', () => {
    const unordered = { mode: 'unordered' as const };
    expect(matches([3, 1, 2], [1, 2, 3], unordered)).toBe(true);
    expect(matches(new Set([3, 1]), new Set([1, 3]), unordered)).toBe(true);
    expect(matches(new Set([3, 1]), [1, 3], unordered)).toBe(false);
    expect(matches([[1n], [2n]], [[2n], [1n]], unordered)).toBe(true);
    expect(matches([[1n], [2n]], [[2], [1]], unordered)).toBe(false);
  });

  it('compares what the sandbox returned with what the test expects', () => {
    const returned = decode('{"when":{"\\u0000":"date","v":0},"gone":{"\\u0000":"undefined"}}');
    expect(matches(returned, { when: new Date(0) }, undefined)).toBe(true);
  });
});
