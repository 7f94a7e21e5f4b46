import { Opaque } from './codec.ts';

/** Whether an actual value matches an expected one. Not symmetric: the expected side sets the rules. */
export type Equal = (actual: unknown, expected: unknown) => boolean;

/**
 * Numbers in exact comparison. NaN equals NaN. An expected -0 (`{"$number": "-0"}`) wants -0; an
 * expected 0 takes either zero, as it did when tests were plain JSON, which cannot write -0.
 */
function sameNumber(actual: number, expected: number): boolean {
  if (Object.is(expected, -0)) return Object.is(actual, -0);
  return actual === expected || (Number.isNaN(actual) && Number.isNaN(expected));
}

/**
 * Deep equality whose numbers compare by `numbers` wherever values nest: array elements, property
 * values, Map values. Map keys and Set members always compare exactly (with deepEqual).
 * - arrays in order; plain objects by their keys in any order, and a property whose value is
 *   undefined counts as missing (as Jest's toEqual: JSON had no undefined, so tests never told them apart);
 * - a Date by its time value; BigInt by value and never equal to a number (1n is not 1);
 * - Maps by their entries, Sets by their members, in any order;
 * - a returned function or symbol equals nothing.
 */
export function equalWith(numbers: (actual: number, expected: number) => boolean): Equal {
  const equal: Equal = (actual, expected) => {
    if (typeof actual === 'number' && typeof expected === 'number') return numbers(actual, expected);
    if (actual === expected) return true;
    if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
      return false;
    }
    if (actual instanceof Opaque || expected instanceof Opaque) return false;
    if (Array.isArray(actual) || Array.isArray(expected)) {
      return Array.isArray(actual) && Array.isArray(expected) && sameItems(actual, expected, equal);
    }
    if (actual instanceof Date || expected instanceof Date) {
      return actual instanceof Date && expected instanceof Date && actual.getTime() === expected.getTime();
    }
    if (actual instanceof Map || expected instanceof Map) {
      return actual instanceof Map && expected instanceof Map && sameEntries(actual, expected, equal);
    }
    if (actual instanceof Set || expected instanceof Set) {
      return actual instanceof Set && expected instanceof Set && sameMembers([...actual], [...expected]);
    }
    return sameProperties(actual as Record<string, unknown>, expected as Record<string, unknown>, equal);
  };
  return equal;
}

/** Exact deep equality (see equalWith and sameNumber). */
export const deepEqual: Equal = equalWith(sameNumber);

function sameItems(actual: unknown[], expected: unknown[], equal: Equal): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (!equal(actual[i], expected[i])) return false;
  return true;
}

const definedKeys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined);

function sameProperties(actual: Record<string, unknown>, expected: Record<string, unknown>, equal: Equal) {
  const keys = definedKeys(expected);
  if (definedKeys(actual).length !== keys.length) return false;
  return keys.every((k) => Object.hasOwn(actual, k) && equal(actual[k], expected[k]));
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

/**
 * Maps with the same entries in any order. A primitive key is looked up as the Map itself would
 * (SameValueZero); entries with object keys pair up with entries whose keys are deeply equal.
 */
function sameEntries(actual: Map<unknown, unknown>, expected: Map<unknown, unknown>, equal: Equal): boolean {
  if (actual.size !== expected.size) return false;
  const expectedObjectKeyed: [unknown, unknown][] = [];
  for (const [key, value] of expected) {
    if (isObject(key)) expectedObjectKeyed.push([key, value]);
    else if (!actual.has(key) || !equal(actual.get(key), value)) return false;
  }
  const actualObjectKeyed = [...actual].filter(([key]) => isObject(key));
  return pairUp(
    actualObjectKeyed,
    expectedObjectKeyed,
    ([key], signedZeros) => canonical(key, signedZeros),
    ([ak, av], [ek, ev]) => deepEqual(ak, ek) && equal(av, ev),
  );
}

/** The same elements (deep equality) as many times each, in any order: a multiset. */
export function sameMembers(actual: unknown[], expected: unknown[]): boolean {
  return pairUp(actual, expected, canonical, deepEqual);
}

/** Items of one group, by their text with zeros signed: items spelled alike are interchangeable. */
type Group<T> = Map<string, T[]>;

/**
 * Whether every actual item can take an expected one of its own that `equal` accepts. Items are
 * grouped by `textOf` with zeros alike, which must agree whenever `equal` holds. Within a group an
 * item takes one spelled exactly like it (zeros signed) if there is one, else any it matches: exact
 * except for a group that mixes an expected -0 with other zeros in several places at once.
 */
function pairUp<T>(
  actual: T[],
  expected: T[],
  textOf: (item: T, signedZeros: boolean) => string,
  equal: (a: T, e: T) => boolean,
): boolean {
  if (actual.length !== expected.length) return false;
  const groups = new Map<string, Group<T>>();
  for (const e of expected) {
    const loose = textOf(e, false);
    const group = groups.get(loose) ?? new Map<string, T[]>();
    groups.set(loose, group);
    const strict = textOf(e, true);
    const items = group.get(strict);
    if (items) items.push(e);
    else group.set(strict, [e]);
  }
  return actual.every((a) => {
    const group = groups.get(textOf(a, false));
    return group !== undefined && take(group, textOf(a, true), (e) => equal(a, e));
  });
}

/** Removes from the group an item `accepts` takes, looking first among those spelled `strict`. */
function take<T>(group: Group<T>, strict: string, accepts: (e: T) => boolean): boolean {
  const exact = group.get(strict);
  for (const items of exact ? [exact, ...group.values()] : group.values()) {
    const at = items.findIndex(accepts);
    if (at < 0) continue;
    items[at] = items[items.length - 1]!;
    items.pop();
    return true;
  }
  return false;
}

/**
 * A text that is equal for two values whenever deepEqual holds between them: object keys and Map and
 * Set contents sorted, undefined properties left out, zeros alike unless `signedZeros` (then a text
 * equal for values that are the same, -0 and all).
 */
export function canonical(value: unknown, signedZeros = false): string {
  switch (typeof value) {
    case 'number':
      if (value === 0) return signedZeros && Object.is(value, -0) ? 'n-0' : 'n0';
      return Number.isNaN(value) ? 'NaN' : `n${value}`;
    case 'bigint':
      return `b${value}`;
    case 'string':
      return JSON.stringify(value);
    case 'undefined':
      return 'u';
    case 'object':
      return value === null ? 'null' : canonicalObject(value, signedZeros);
    default:
      return String(value);
  }
}

function canonicalObject(value: object, signedZeros: boolean): string {
  const text = (v: unknown) => canonical(v, signedZeros);
  const sorted = (items: string[]) => items.sort().join(',');
  if (Array.isArray(value)) return `[${Array.from(value, text).join(',')}]`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof Opaque) return 'opaque';
  if (value instanceof Map) return `Map{${sorted(Array.from(value, ([k, v]) => `${text(k)}=>${text(v)}`))}}`;
  if (value instanceof Set) return `Set{${sorted(Array.from(value, text))}}`;
  const o = value as Record<string, unknown>;
  return `{${sorted(definedKeys(o).map((k) => `${JSON.stringify(k)}:${text(o[k])}`))}}`;
}
