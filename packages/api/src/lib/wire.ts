import superjson from 'superjson';

type Serialized = ReturnType<typeof superjson.serialize>;
type Annotation = ['Date'] | ['undefined'];
type Annotations = Record<string, Annotation>;

/** Returned by `walk` for anything only superjson itself may serialize. */
const UNSUPPORTED = Symbol('unsupported');

/** Keys superjson refuses (prototype pollution): it throws, so it must be the one to see them. */
const REFUSED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const escapeKey = (key: string) =>
  key.includes('\\') || key.includes('.') ? key.replace(/\\/g, '\\\\').replace(/\./g, '\\.') : key;

/**
 * `superjson.serialize`, the same output to the byte, for what the API answers: plain objects and
 * arrays of strings, finite numbers, booleans, null, undefined and valid Dates, each object met once.
 * Anything else (a Map, a BigInt, NaN, a class instance, an object met twice, a key superjson refuses)
 * is handed to superjson itself. superjson's general walk (paths and identities recorded for every
 * node, a rule lookup per value) was a fifth of the CPU of a list query; this walk builds paths only
 * for the values it annotates. test/wire.test.ts compares both on generated values.
 */
export function serialize(value: unknown): Serialized {
  const seen = new Set<object>();
  /**
   * The annotations of the value `walk` just returned: one (`['Date']`), or, for an object or array,
   * its descendants' by path. Built level by level like superjson builds them, so that their keys
   * come out in the same order (a JS object lists integer-like keys first, at every level).
   */
  let annotations: Annotation | Annotations | undefined;

  const nest = (into: Annotations | undefined, key: string): Annotations | undefined => {
    if (!annotations) return into;
    const out = into ?? {};
    const prefix = escapeKey(key);
    if (Array.isArray(annotations)) out[prefix] = annotations;
    else for (const sub of Object.keys(annotations)) out[`${prefix}.${sub}`] = annotations[sub]!;
    return out;
  };

  const walk = (v: unknown): unknown => {
    annotations = undefined;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0) ? v : UNSUPPORTED;
      case 'undefined':
        annotations = ['undefined'];
        return null;
      case 'object':
        break;
      default:
        return UNSUPPORTED;
    }
    if (v === null) return null;
    if (seen.has(v)) return UNSUPPORTED;
    seen.add(v);
    const proto = Object.getPrototypeOf(v);
    if (proto === Date.prototype) {
      const time = (v as Date).getTime();
      if (Number.isNaN(time)) return UNSUPPORTED;
      annotations = ['Date'];
      return (v as Date).toISOString();
    }
    let inner: Annotations | undefined;
    if (proto === Array.prototype) {
      const array = v as unknown[];
      // superjson walks an array's entries: holes, or properties beside the items, are its to handle.
      if (Object.keys(array).length !== array.length) return UNSUPPORTED;
      const out: unknown[] = new Array(array.length);
      for (let i = 0; i < array.length; i++) {
        const item = walk(array[i]);
        if (item === UNSUPPORTED) return UNSUPPORTED;
        out[i] = item;
        inner = nest(inner, String(i));
      }
      annotations = inner;
      return out;
    }
    if (proto !== Object.prototype && proto !== null) return UNSUPPORTED;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (REFUSED_KEYS.has(key)) return UNSUPPORTED;
      const item = walk((v as Record<string, unknown>)[key]);
      if (item === UNSUPPORTED) return UNSUPPORTED;
      out[key] = item;
      inner = nest(inner, key);
    }
    annotations = inner;
    return out;
  };

  // A bare Date or undefined is annotated at the root, which superjson writes differently.
  if (value === undefined || value instanceof Date) return superjson.serialize(value);
  const json = walk(value);
  if (json === UNSUPPORTED) return superjson.serialize(value);
  const values = annotations as Annotations | undefined;
  return (values ? { json, meta: { values, v: 1 } } : { json }) as Serialized;
}

/** The transformer of every procedure: superjson on the wire, serialized by the walk above. */
export const transformer = {
  input: superjson,
  output: { serialize, deserialize: superjson.deserialize.bind(superjson) },
};
