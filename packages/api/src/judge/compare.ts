import type { Comparison } from '@skillbytes/shared';
import { deepEqual } from './codec.ts';

/** Tolerances of `approx` when the test names none. */
const DEFAULT_TOLERANCE = 1e-9;

/**
 * Whether a decoded output matches the expected value under the test's comparison. `checker` is not
 * decided here: the checker runs in the sandbox (run.ts); this answers null for it.
 */
export function matches(actual: unknown, expected: unknown, compare: Comparison | undefined): boolean | null {
  switch (compare?.mode) {
    case undefined:
      return deepEqual(actual, expected);
    case 'unordered':
      return sameElements(actual, expected);
    case 'approx':
      return near(actual, expected, compare.abs ?? DEFAULT_TOLERANCE, compare.rel ?? DEFAULT_TOLERANCE);
    case 'checker':
      return null;
  }
}

/** Arrays with the same elements (deep equality) as many times each, in any order. */
function sameElements(actual: unknown, expected: unknown): boolean {
  if (!Array.isArray(actual) || !Array.isArray(expected) || actual.length !== expected.length) return false;
  const count = new Map<string, number>();
  for (const e of expected) count.set(canonical(e), (count.get(canonical(e)) ?? 0) + 1);
  for (const a of actual) {
    const key = canonical(a);
    const left = count.get(key);
    if (!left) return false;
    count.set(key, left - 1);
  }
  return true;
}

/** A text that is equal for two values exactly when deepEqual says they are (object keys sorted). */
function canonical(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `n${value === 0 ? 0 : value}`;
  if (typeof value === 'bigint') return `b${value}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'u';
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** Deep equality in which numbers may differ by `abs`, or by `rel` of the expected number. */
function near(actual: unknown, expected: unknown, abs: number, rel: number): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
    if (actual === expected) return true;
    const diff = Math.abs(actual - expected);
    return diff <= abs || diff <= rel * Math.abs(expected);
  }
  if (Array.isArray(actual) || Array.isArray(expected)) {
    if (!Array.isArray(actual) || !Array.isArray(expected) || actual.length !== expected.length) return false;
    return actual.every((a, i) => near(a, expected[i], abs, rel));
  }
  if (typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null) {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = Object.keys(e);
    return (
      Object.keys(a).length === keys.length &&
      keys.every((k) => Object.hasOwn(a, k) && near(a[k], e[k], abs, rel))
    );
  }
  return deepEqual(actual, expected);
}
