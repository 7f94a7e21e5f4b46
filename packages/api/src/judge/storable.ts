import { toStorableText, type Verdict } from '@skillbytes/shared';

function storable(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [toStorableText(k), storable(v)]));
}

/**
 * A verdict whose every string (actual values, their keys, error messages, logs) PostgreSQL can store:
 * what a solution returns or prints is its own business, and a judged submission is always recorded.
 * Characters that cannot be stored (U+0000, lone surrogates) are shown as U+FFFD.
 */
export function sanitizeVerdict(verdict: Verdict): Verdict {
  return storable(verdict) as Verdict;
}
