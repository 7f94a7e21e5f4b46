/**
 * Host side of the sandbox's value encoding (see CODEC in harness.ts): JSON text where values JSON
 * cannot carry are tagged `{"\u0000": kind, v?}` and real keys starting with NUL carry one more NUL.
 */
const TAG = '\u0000';

/** A returned function or symbol: never equal to anything a test expects. */
class Opaque {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

function unescapeKeys(o: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(o);
  if (!keys.some((k) => k.startsWith(TAG))) return o;
  return Object.fromEntries(keys.map((k) => [k.startsWith(TAG) ? k.slice(1) : k, o[k]]));
}

function escapeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(escapeKeys);
  if (typeof value === 'number' && Object.is(value, -0)) return { [TAG]: '-0' };
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.startsWith(TAG) ? TAG + k : k, escapeKeys(v)]),
  );
}

/** Test data (plain JSON from the challenge) in the sandbox's encoding. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(escapeKeys(value));
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (!Object.hasOwn(o, TAG)) return unescapeKeys(o);
    switch (o[TAG]) {
      case 'NaN':
        return Number.NaN;
      case 'Infinity':
        return Number.POSITIVE_INFINITY;
      case '-Infinity':
        return Number.NEGATIVE_INFINITY;
      case '-0':
        return -0;
      case 'bigint':
        return BigInt(String(o.v));
      case 'function':
        return new Opaque(`[Function ${String(o.v) || '(anonymous)'}]`);
      case 'symbol':
        return new Opaque(`Symbol(${String(o.v)})`);
      default:
        return undefined;
    }
  });
}

/**
 * Structural equality on decoded values: arrays in order, object keys in any order. Numbers compare
 * with SameValueZero, so NaN equals NaN and -0 equals 0 (JSON expectations cannot tell zeros apart).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Opaque || b instanceof Opaque) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}

/** Longest `actual` shown in a verdict, in JSON characters; the rest is cut. */
const SHOWN_MAX_CHARS = 2000;

/** A decoded value as JSON for a verdict: values JSON cannot carry are shown as text (`"undefined"`, `"NaN"`, `"12n"`). */
export function toShown(value: unknown): unknown {
  const shown = show(value);
  const text = JSON.stringify(shown);
  return text.length > SHOWN_MAX_CHARS ? `${text.slice(0, SHOWN_MAX_CHARS)}… (truncated)` : shown;
}

function show(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object': {
      if (value === null) return null;
      if (value instanceof Opaque) return value.text;
      if (Array.isArray(value)) return Array.from(value, show);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, show(v)]));
    }
    default:
      return value;
  }
}
