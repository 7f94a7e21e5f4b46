import { fromTagged, type JsonValue, toTagged } from '@skillbytes/shared';

/**
 * Host side of the sandbox's value encoding (sandbox/codec.js): JSON text where values JSON cannot
 * carry are tagged `{"\u0000": kind, v?}` and real keys starting with NUL carry one more NUL. Tests
 * hold values in the author form (`@skillbytes/shared` values.ts); they become real values here, on
 * their way in, and what comes out is shown in the author form again.
 */
const TAG = '\u0000';

/** A returned function or symbol: never equal to anything a test expects. */
export class Opaque {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

const tag = (kind: string, v?: unknown) => (v === undefined ? { [TAG]: kind } : { [TAG]: kind, v });

/** A real value as the JSON structure of the sandbox's encoding. */
function wire(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (Number.isNaN(value)) return tag('NaN');
      if (value === Number.POSITIVE_INFINITY) return tag('Infinity');
      if (value === Number.NEGATIVE_INFINITY) return tag('-Infinity');
      return Object.is(value, -0) ? tag('-0') : value;
    case 'bigint':
      return tag('bigint', String(value));
    case 'undefined':
      return tag('undefined');
    case 'object':
      return value === null ? null : wireObject(value);
    case 'string':
    case 'boolean':
      return value;
    default:
      throw new TypeError(`A test value cannot be a ${typeof value}`);
  }
}

function wireObject(value: object): unknown {
  if (Array.isArray(value)) return Array.from(value, wire);
  if (value instanceof Date) return tag('date', wire(value.getTime()));
  if (value instanceof Map)
    return tag(
      'map',
      Array.from(value, ([k, v]) => [wire(k), wire(v)]),
    );
  if (value instanceof Set) return tag('set', Array.from(value, wire));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.startsWith(TAG) ? TAG + k : k, wire(v)]),
  );
}

/** Real values (arguments, an expected output) in the sandbox's encoding. */
export function encode(value: unknown): string {
  return JSON.stringify(wire(value));
}

/**
 * A test's author-form value (its arguments, its expected output) in the sandbox's encoding; a test
 * that expects no output (it expects a throw) passes undefined.
 */
export function encodeJson(json: JsonValue | JsonValue[] | undefined): string {
  return encode(json === undefined ? undefined : fromTagged(json));
}

function unescapeKeys(o: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(o);
  if (!keys.some((k) => k.startsWith(TAG))) return o;
  return Object.fromEntries(keys.map((k) => [k.startsWith(TAG) ? k.slice(1) : k, o[k]]));
}

/**
 * The real values of the sandbox's encoding. An undefined property comes back missing (JSON.parse
 * drops what a reviver makes undefined), which comparison treats the same (see equality.ts).
 */
export function decode(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.hasOwn(o, TAG) ? revive(o[TAG], o.v) : unescapeKeys(o);
  });
}

function revive(kind: unknown, v: unknown): unknown {
  switch (kind) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '-0':
      return -0;
    case 'bigint':
      return BigInt(String(v));
    case 'date':
      return new Date(Number(v));
    case 'map':
      return new Map(v as [unknown, unknown][]);
    case 'set':
      return new Set(v as unknown[]);
    case 'function':
      return new Opaque(`[Function ${String(v) || '(anonymous)'}]`);
    case 'symbol':
      return new Opaque(`Symbol(${String(v)})`);
    default:
      return undefined;
  }
}

/** Longest value shown in a verdict, in JSON characters; the rest is cut. */
const SHOWN_MAX_CHARS = 2000;

/**
 * A decoded value as a verdict shows it: in the author form, so that what a verdict shows can be pasted
 * back into a test. What that form cannot hold is text: `"[Function f]"`, `"Symbol(s)"`, `"Invalid Date"`.
 */
export function toShown(value: unknown): unknown {
  const shown = toTagged(value, (v, why) => {
    if (v instanceof Opaque) return v.text;
    return v instanceof Date ? 'Invalid Date' : `[${why}]`;
  });
  const text = JSON.stringify(shown);
  return text.length > SHOWN_MAX_CHARS ? `${text.slice(0, SHOWN_MAX_CHARS)}… (truncated)` : shown;
}
