import { z } from 'zod';

/**
 * Test values in the author form: JSON an author writes by hand (in JSON or YAML), in which an object
 * with exactly one key, that key being a tag, stands for a value JSON cannot carry:
 *
 * | author form                        | value                                     |
 * |------------------------------------|-------------------------------------------|
 * | `{"$bigint": "-123"}`              | `-123n`                                   |
 * | `{"$date": "2024-01-02T03:04:05.000Z"}` | that `Date` (exactly `toISOString()`'s text) |
 * | `{"$undefined": true}`             | `undefined`                               |
 * | `{"$number": "NaN"}`               | `NaN` (also `"Infinity"`, `"-Infinity"`, `"-0"`) |
 * | `{"$map": [[key, value], ...]}`    | a `Map`, in this order                    |
 * | `{"$set": [member, ...]}`          | a `Set`, in this order                    |
 * | `{"$object": {...}}`               | that object, its own keys taken literally |
 *
 * Every other object is a plain object and every array an array, so plain JSON means what it always
 * meant (a plain -0 is 0, as JSON.stringify writes it). Keys, values and members are author-form
 * values themselves.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const TAGS = new Set(['$bigint', '$date', '$undefined', '$number', '$map', '$set', '$object']);

/**
 * Deepest nesting of arrays and objects a test value may have: room for any list or tree a test spells
 * out, and far from the stack limit of every walk over it (here, in the judge, and inside its sandbox).
 */
export const TAGGED_MAX_DEPTH = 256;

/** Where a problem is, as keys and indexes from the value's root (a zod issue's `path`). */
type Path = { up: Path; key: string | number } | null;

const pathOf = (path: Path): (string | number)[] => {
  const keys: (string | number)[] = [];
  for (let p = path; p; p = p.up) keys.unshift(p.key);
  return keys;
};

/** A value that is not in the author form, and where in it the problem is. */
export class TaggedValueError extends TypeError {
  /** What is wrong, without the place. */
  readonly problem: string;
  readonly path: (string | number)[];

  constructor(problem: string, path: (string | number)[]) {
    super(path.length ? `${problem} (at ${path.join('.')})` : problem);
    this.name = 'TaggedValueError';
    this.problem = problem;
    this.path = path;
  }
}

const fail = (path: Path, message: string): never => {
  throw new TaggedValueError(message, pathOf(path));
};

const isPlainObject = (v: object): v is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The one key of an object when it is a tag. */
const tagOf = (keys: string[]): string | null => (keys.length === 1 && TAGS.has(keys[0]!) ? keys[0]! : null);

/**
 * The values an author-form value stands for (see JsonValue). Throws a TaggedValueError, naming the
 * place, for anything else: a malformed tag, a non-JSON value, nesting deeper than TAGGED_MAX_DEPTH.
 */
export function fromTagged(json: unknown): unknown {
  return read(json, null, 0);
}

/** `json` at `path`, inside `depth` arrays and objects. */
function read(json: unknown, path: Path, depth: number): unknown {
  if (json === null || typeof json === 'string' || typeof json === 'boolean') return json;
  if (typeof json === 'number') {
    if (!Number.isFinite(json))
      fail(path, 'expected a JSON value: write NaN and ±Infinity as {"$number": …}');
    // JSON text may say -0, but JSON.stringify (and so the database) writes it as 0: it means 0.
    return json === 0 ? 0 : json;
  }
  if (typeof json !== 'object') return fail(path, `expected a JSON value, not ${typeof json}`);
  enter(path, depth);
  if (Array.isArray(json)) return readArray(json, path, depth + 1);
  if (!isPlainObject(json)) {
    const kind = Object.prototype.toString.call(json).slice(8, -1);
    return fail(
      path,
      `expected a JSON value, not an instance of ${kind} (write it as a tag, like {"$date": …})`,
    );
  }
  const keys = Object.keys(json);
  const tag = tagOf(keys);
  if (tag === null) return readObject(json, keys, path, depth + 1);
  return readTag(tag, json[tag], { up: path, key: tag }, depth + 1);
}

function enter(path: Path, depth: number): void {
  if (depth >= TAGGED_MAX_DEPTH) fail(path, `nested deeper than ${TAGGED_MAX_DEPTH} arrays and objects`);
}

function readArray(items: unknown[], path: Path, depth: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i++) out.push(read(items[i], { up: path, key: i }, depth));
  return out;
}

/** A plain object: its keys as they are (`__proto__` too: an own property, never the prototype). */
function readObject(o: Record<string, unknown>, keys: string[], path: Path, depth: number) {
  return Object.fromEntries(keys.map((k) => [k, read(o[k], { up: path, key: k }, depth)]));
}

const BIGINT = /^(?:0|-?[1-9]\d*)$/;
const NUMBERS: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

/** The value of one tag; `path` ends at the tag (so problems need not name it), `depth` counts the tag's own object. */
function readTag(tag: string, v: unknown, path: Path, depth: number): unknown {
  switch (tag) {
    case '$bigint':
      if (typeof v === 'string' && BIGINT.test(v)) return BigInt(v);
      return fail(path, 'expected an integer string, like "-123" (no leading zeros, no "-0")');
    case '$date':
      return readDate(v, path);
    case '$undefined':
      return v === true ? undefined : fail(path, 'expected true');
    case '$number':
      if (typeof v === 'string' && Object.hasOwn(NUMBERS, v)) return NUMBERS[v];
      return fail(path, 'expected "NaN", "Infinity", "-Infinity" or "-0" (other numbers are plain JSON)');
    case '$map':
      return readMap(v, path, depth);
    case '$set':
      return readSet(v, path, depth);
    default:
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !isPlainObject(v)) {
        return fail(path, 'expected an object');
      }
      enter(path, depth);
      return readObject(v, Object.keys(v), path, depth + 1);
  }
}

/** Only `toISOString()`'s own text: one spelling per instant, so a date reads back as it was written. */
function readDate(v: unknown, path: Path): Date {
  const date = typeof v === 'string' ? new Date(v) : null;
  if (date && !Number.isNaN(date.getTime()) && date.toISOString() === v) return date;
  return fail(path, 'expected a date as toISOString() writes it, like "2024-01-02T03:04:05.000Z"');
}

/**
 * A key or member the collection would not keep as written is refused: a repeated one (a Map and a Set
 * keep one of each, by SameValueZero), and -0 (which they store as 0).
 */
function checkDistinct(seen: Set<unknown>, value: unknown, path: Path, what: string): void {
  if (typeof value === 'object' && value !== null) return;
  if (Object.is(value, -0)) fail(path, `-0 as a ${what} is stored as 0: write 0`);
  if (seen.has(value)) fail(path, `a repeated ${what}: there is one of each`);
  seen.add(value);
}

function readMap(v: unknown, path: Path, depth: number): Map<unknown, unknown> {
  if (!Array.isArray(v)) return fail(path, 'expected an array of [key, value] pairs');
  enter(path, depth);
  const map = new Map<unknown, unknown>();
  const seen = new Set<unknown>();
  for (let i = 0; i < v.length; i++) {
    const pair: unknown = v[i];
    const at = { up: path, key: i };
    if (!Array.isArray(pair) || pair.length !== 2) fail(at, 'expected a [key, value] pair');
    enter(at, depth + 1);
    const [key, value] = pair as [unknown, unknown];
    const k = read(key, { up: at, key: 0 }, depth + 2);
    checkDistinct(seen, k, { up: at, key: 0 }, 'Map key');
    map.set(k, read(value, { up: at, key: 1 }, depth + 2));
  }
  return map;
}

function readSet(v: unknown, path: Path, depth: number): Set<unknown> {
  if (!Array.isArray(v)) return fail(path, 'expected an array of members');
  enter(path, depth);
  const set = new Set<unknown>();
  for (let i = 0; i < v.length; i++) {
    const member = read(v[i], { up: path, key: i }, depth + 1);
    checkDistinct(set, member, { up: path, key: i }, 'Set member');
    set.add(member);
  }
  return set;
}

/**
 * What to write for a value the author form cannot hold (a function, a symbol, an invalid Date, an
 * instance of a class, nesting deeper than TAGGED_MAX_DEPTH); `why` says which. The default throws.
 */
export type Unwritable = (value: unknown, why: string) => JsonValue;

const refuse: Unwritable = (_value, why) => {
  throw new TypeError(`No author form for this value: ${why}`);
};

/**
 * The author form of a value, canonical: `$object` only where a plain object's single key is a tag,
 * `$number` for NaN, ±Infinity and -0, `$undefined` wherever undefined is (array holes and object
 * properties too). `toTagged(fromTagged(x))` deep-equals `x` for every canonical `x`.
 */
export function toTagged(value: unknown, unwritable: Unwritable = refuse): JsonValue {
  return write(value, unwritable, 0);
}

/**
 * `v`'s author form inside `depth` arrays and objects. Each value counts the containers its form opens
 * (a tag's object, a Map's array of pairs and each pair), exactly as fromTagged counts them.
 */
function write(v: unknown, unwritable: Unwritable, depth: number): JsonValue {
  const tooDeep = (levels: number) => depth + levels > TAGGED_MAX_DEPTH;
  const deep = () => unwritable(v, `nested deeper than ${TAGGED_MAX_DEPTH} arrays and objects`);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return tooDeep(1) ? deep() : { $number: Object.is(v, -0) ? '-0' : String(v) };
    case 'undefined':
      return tooDeep(1) ? deep() : { $undefined: true };
    case 'bigint':
      return tooDeep(1) ? deep() : { $bigint: String(v) };
    case 'object':
      if (v === null) return null;
      return tooDeep(levelsOf(v)) ? deep() : writeObject(v, unwritable, depth);
    default:
      return unwritable(v, `a ${typeof v}`);
  }
}

/** How many nested containers an object's own author form opens. */
function levelsOf(v: object): number {
  if (v instanceof Map) return v.size > 0 ? 3 : 2;
  if (v instanceof Set) return 2;
  if (Array.isArray(v) || !isPlainObject(v)) return 1;
  return tagOf(Object.keys(v)) === null ? 1 : 2;
}

function writeObject(v: object, unwritable: Unwritable, depth: number): JsonValue {
  const at = (levels: number) => (x: unknown) => write(x, unwritable, depth + levels);
  if (Array.isArray(v)) return Array.from(v, at(1));
  if (v instanceof Date) {
    return Number.isNaN(v.getTime()) ? unwritable(v, 'an invalid Date') : { $date: v.toISOString() };
  }
  if (v instanceof Map) return { $map: Array.from(v, ([key, value]) => [at(3)(key), at(3)(value)]) };
  if (v instanceof Set) return { $set: Array.from(v, at(2)) };
  if (!isPlainObject(v)) return unwritable(v, 'an instance of a class');
  const keys = Object.keys(v);
  const isTagLike = tagOf(keys) !== null;
  const each = at(isTagLike ? 2 : 1);
  const o = Object.fromEntries(keys.map((k) => [k, each(v[k])]));
  return isTagLike ? { $object: o } : o;
}

/** The problem with an author-form value, or null when it has none. */
export function taggedProblem(json: unknown): TaggedValueError | null {
  try {
    fromTagged(json);
    return null;
  } catch (error) {
    if (error instanceof TaggedValueError) return error;
    throw error;
  }
}

/** A test's argument or expected output: an author-form value (see JsonValue), refused with its problem. */
export const TaggedValue = z.custom<JsonValue>().superRefine((value, ctx) => {
  const problem = taggedProblem(value);
  if (!problem) return;
  ctx.addIssue({ code: 'custom', message: problem.problem, path: problem.path });
});
