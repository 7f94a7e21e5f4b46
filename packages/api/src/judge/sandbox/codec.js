// Runs inside QuickJS, evaluated before any untrusted code: every intrinsic it uses is captured here,
// so a solution that patches JSON, Reflect or prototypes changes nothing the harness relies on.
// Values cross the sandbox boundary as JSON text. Values JSON cannot carry are tagged objects
// `{"\u0000": kind, v?}` (kinds: NaN, Infinity, -Infinity, -0, bigint, undefined, date, map, set, and
// function and symbol, which only come out); real keys starting with NUL get one more NUL. Mirrored on
// the host in codec.ts.
// Replies to the host are JSON objects tagged by `t` (see Reply in harness.ts).
(() => {
  const TAG = String.fromCharCode(0);
  const keys = Object.keys;
  const hasOwn = Object.hasOwn;
  const isArray = Array.isArray;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const StringC = String;
  const BigIntC = BigInt;
  const DateC = Date;
  const MapC = Map;
  const SetC = Set;
  const apply = Reflect.apply;
  const defineProperty = Reflect.defineProperty;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const protoOf = Object.prototype.isPrototypeOf;
  const ObjectPrototype = Object.prototype;
  const DatePrototype = Date.prototype;
  const MapPrototype = Map.prototype;
  const SetPrototype = Set.prototype;
  const getTime = Date.prototype.getTime;
  const mapSize = Reflect.getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const setSize = Reflect.getOwnPropertyDescriptor(Set.prototype, 'size').get;
  const mapForEach = Map.prototype.forEach;
  const setForEach = Set.prototype.forEach;
  const mapSet = Map.prototype.set;
  const mapGet = Map.prototype.get;
  const setAdd = Set.prototype.add;
  const sliceS = String.prototype.slice;
  const assign = Object.assign;
  const execR = RegExp.prototype.exec;
  const InternalErrorC = InternalError;
  const isNaNC = Number.isNaN;

  // Own data properties, defined rather than assigned: no setter on a prototype (which a solution may
  // have added) runs, and a `__proto__` key stays a key.
  const put = (o, k, v) =>
    defineProperty(o, k, { __proto__: null, value: v, writable: true, enumerable: true, configurable: true });
  const append = (list, v) => put(list, list.length, v);
  const tag = (kind, v) =>
    v === undefined ? { __proto__: null, [TAG]: kind } : { __proto__: null, [TAG]: kind, v };
  const hasEscapedKey = (ks) => {
    for (let i = 0; i < ks.length; i++) if (ks[i][0] === TAG) return true;
    return false;
  };
  const escapeKeys = (o) => {
    const ks = keys(o);
    if (!hasEscapedKey(ks)) return o;
    const out = {};
    for (let i = 0; i < ks.length; i++) put(out, ks[i][0] === TAG ? TAG + ks[i] : ks[i], o[ks[i]]);
    return out;
  };
  /** `o`'s brand, asked of the intrinsic itself: a solution's look-alike object throws, so it is no Date. */
  const branded = (o, proto, method) => {
    if (!apply(protoOf, proto, [o])) return false;
    try {
      apply(method, o, []);
      return true;
    } catch {
      return false;
    }
  };
  // Each Map and Set of one encoding becomes one tag object, made once: a collection that holds itself
  // then meets its own tag again, and JSON.stringify refuses the cycle as it does any other.
  let collections = null;
  const collection = (o, kind, forEach, entry) => {
    const made = apply(mapGet, collections, [o]);
    if (made !== undefined) return made;
    const items = [];
    const t = tag(kind, items);
    apply(mapSet, collections, [o, t]);
    apply(forEach, o, [(value, key) => append(items, entry(value, key))]);
    return t;
  };
  const pair = (value, key) => [key, value];
  const member = (value) => value;
  /** A Date, Map or Set as its tag; undefined for any other object. Plain objects are told first, cheaply. */
  const typed = (o) => {
    const proto = getPrototypeOf(o);
    if (proto === ObjectPrototype || proto === null || isArray(o)) return undefined;
    if (branded(o, DatePrototype, getTime)) return tag('date', apply(getTime, o, []));
    if (branded(o, MapPrototype, mapSize)) return collection(o, 'map', mapForEach, pair);
    if (branded(o, SetPrototype, setSize)) return collection(o, 'set', setForEach, member);
    return undefined;
  };
  /**
   * One value for JSON: `raw` is the value itself, `v` what JSON.stringify made of it (a Date's toJSON
   * has already run). Functions and symbols are kept where an array holds them, dropped from objects
   * as JSON drops them; undefined is kept everywhere.
   */
  const special = (v, raw, keep) => {
    if (typeof raw === 'object' && raw !== null) {
      const t = typed(raw);
      if (t !== undefined) return t;
    }
    switch (typeof v) {
      case 'number':
        if (isNaNC(v)) return tag('NaN');
        if (v === Infinity) return tag('Infinity');
        if (v === -Infinity) return tag('-Infinity');
        if (v === 0 && 1 / v < 0) return tag('-0');
        return v;
      case 'bigint':
        return tag('bigint', StringC(v));
      case 'undefined':
        return tag('undefined');
      case 'function':
        return keep ? tag('function', typeof v.name === 'string' ? v.name : '') : undefined;
      case 'symbol':
        return keep ? tag('symbol', StringC(v.description ?? '')) : undefined;
      case 'object':
        return v === null || isArray(v) ? v : escapeKeys(v);
    }
    return v;
  };
  // The holder's own value is read again only where toJSON may have replaced it with an object or a
  // string (a Date's toJSON gives its text); a number, boolean or null is what it is.
  function replacer(k, v) {
    const raw = typeof v === 'object' || typeof v === 'string' ? this[k] : v;
    return special(v, raw, isArray(this));
  }
  const encode = (v) => {
    collections = new MapC();
    try {
      const text = stringify([v], replacer);
      return apply(sliceS, text, [1, text.length - 1]);
    } finally {
      collections = null;
    }
  };

  // JSON.parse deletes whatever a reviver turns into undefined: an undefined value is a placeholder
  // until the array or object holding it is revived, which puts a real undefined in its place.
  const UNDEFINED = { __proto__: null };
  let placeholders = 0;
  const fillIn = (o, ks) => {
    for (let i = 0; i < ks.length && placeholders > 0; i++) {
      if (o[ks[i]] !== UNDEFINED) continue;
      put(o, ks[i], undefined);
      placeholders--;
    }
    return o;
  };
  const fillInList = (list) => {
    for (let i = 0; i < list.length && placeholders > 0; i++) {
      if (list[i] !== UNDEFINED) continue;
      put(list, i, undefined);
      placeholders--;
    }
    return list;
  };
  const revived = (v) => {
    switch (v[TAG]) {
      case 'NaN':
        return NaN;
      case 'Infinity':
        return Infinity;
      case '-Infinity':
        return -Infinity;
      case '-0':
        return -0;
      case 'bigint':
        return BigIntC(v.v);
      case 'date':
        return new DateC(v.v);
      case 'map': {
        const map = new MapC();
        for (let i = 0; i < v.v.length; i++) apply(mapSet, map, [v.v[i][0], v.v[i][1]]);
        return map;
      }
      case 'set': {
        const set = new SetC();
        for (let i = 0; i < v.v.length; i++) apply(setAdd, set, [v.v[i]]);
        return set;
      }
      case 'function':
        return '[Function ' + v.v + ']';
      case 'symbol':
        return 'Symbol(' + v.v + ')';
      case 'undefined':
        placeholders++;
        return UNDEFINED;
      default:
        return undefined;
    }
  };
  function reviver(_k, v) {
    if (typeof v !== 'object' || v === null) return v;
    if (isArray(v)) return placeholders > 0 ? fillInList(v) : v;
    if (hasOwn(v, TAG)) return revived(v);
    const ks = keys(v);
    if (placeholders > 0) fillIn(v, ks);
    if (!hasEscapedKey(ks)) return v;
    const out = {};
    for (let i = 0; i < ks.length; i++)
      put(out, ks[i][0] === TAG ? apply(sliceS, ks[i], [1]) : ks[i], v[ks[i]]);
    return out;
  }
  const decode = (text) => {
    placeholders = 0;
    const v = parse(text, reviver);
    return v === UNDEFINED ? undefined : v;
  };

  // Null prototypes: a solution's Object.prototype.toJSON must not rewrite the harness's own replies.
  const reply = (t, fields) => stringify(assign({ __proto__: null, t }, fields));
  const value = (v) => '{"t":"value","v":' + encode(v) + '}';
  const isOutOfMemory = (e) => e instanceof InternalErrorC && e.message === 'out of memory';

  /** A thrown value as a reply: `syntax` for the solution's own syntax errors, `thrown` otherwise. */
  const describe = (e) => {
    let name = 'Error';
    let message = '';
    let line = null;
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        name = StringC(e.name);
        message = StringC(e.message);
        if (e.fileName === 'solution.js' && typeof e.lineNumber === 'number') line = e.lineNumber;
        const m = typeof e.stack === 'string' ? apply(execR, /solution\.js:(\d+)/, [e.stack]) : null;
        if (line === null && m) line = +m[1];
        if (name === 'SyntaxError' && e.fileName === 'solution.js') {
          return reply('syntax', { error: { __proto__: null, name, message, line } });
        }
      } else {
        name = 'Thrown value';
        message = typeof e === 'string' ? e : StringC(encode(e));
      }
    } catch {
      message = '(unreadable error)';
    }
    const error = {
      __proto__: null,
      name: apply(sliceS, name, [0, 100]),
      message: apply(sliceS, message, [0, 500]),
      line,
    };
    // QuickJS throws a bare null when it cannot even allocate the out-of-memory error: the host
    // tells that apart from a solution's own `throw null` by how much memory the module holds.
    return reply('thrown', { error, isNull: e === null });
  };
  const thrown = (e) => (isOutOfMemory(e) ? '{"t":"oom"}' : describe(e));

  return { encode, decode, describe, thrown, reply, value, stringify, apply, sliceS, StringC, isArray };
})();
