import type { Comparison } from '@skillbytes/shared';
import { deepEqual, equalWith, sameMembers } from './equality.ts';

/** Tolerances of `approx` when the test names none. */
const DEFAULT_TOLERANCE = 1e-9;

/**
 * Whether a decoded output matches the (decoded) expected value under the test's comparison. `checker`
 * is not decided here: the checker runs in the sandbox (run.ts); this answers null for it.
 */
export function matches(actual: unknown, expected: unknown, compare: Comparison | undefined): boolean | null {
  switch (compare?.mode) {
    case undefined:
      return deepEqual(actual, expected);
    case 'unordered':
      return unordered(actual, expected);
    case 'approx':
      return equalWith(near(compare.abs ?? DEFAULT_TOLERANCE, compare.rel ?? DEFAULT_TOLERANCE))(
        actual,
        expected,
      );
    case 'checker':
      return null;
  }
}

/** Arrays with the same elements as many times each, in any order; Sets are unordered already. */
function unordered(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual) && Array.isArray(expected)) return sameMembers(actual, expected);
  return expected instanceof Set && deepEqual(actual, expected);
}

/** Numbers that differ by at most `abs`, or by `rel` of the expected number; NaN is near NaN only. */
function near(abs: number, rel: number) {
  return (actual: number, expected: number): boolean => {
    if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
    if (actual === expected) return true;
    const diff = Math.abs(actual - expected);
    return diff <= abs || diff <= rel * Math.abs(expected);
  };
}
