// What modern JavaScript users reach for and QuickJS lacks, installed in the user's runtime before
// the solution loads: structuredClone, TextEncoder/TextDecoder, atob/btoa, queueMicrotask, and a
// Node-like formatter for console output. Evaluates to a factory the host calls once with the codec;
// it returns `inspect` (used by the console) and `notes()` (what the run used that QuickJS cannot do
// as Node would, for the verdict's message).
(codec) => {
  const { apply, StringC } = codec;
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  const ErrorC = Error;
  const TypeErrorC = TypeError;
  const Uint8ArrayC = Uint8Array;
  const MapC = Map;
  const SetC = Set;
  const DateC = Date;
  const RegExpC = RegExp;
  const ArrayBufferC = ArrayBuffer;
  const isNaNC = Number.isNaN;
  const isArray = Array.isArray;
  const getPrototypeOf = Object.getPrototypeOf;
  const ownKeys = Object.keys;
  const fromCharCode = String.fromCharCode;
  const charCodeAt = String.prototype.charCodeAt;
  const codePointAt = String.prototype.codePointAt;
  const promiseThen = Promise.prototype.then;
  const resolved = Promise.resolve();
  const mapForEach = Map.prototype.forEach;
  const setForEach = Set.prototype.forEach;
  const mapSet = Map.prototype.set;
  const setAdd = Set.prototype.add;
  const mapGet = Map.prototype.get;
  const mapHas = Map.prototype.has;
  const notes = [];
  const note = (text) => {
    if (notes.indexOf(text) < 0) notes.push(text);
  };

  const domError = (name, message) => {
    const e = new ErrorC(message);
    e.name = name;
    return e;
  };

  define('queueMicrotask', (callback) => {
    if (typeof callback !== 'function')
      throw new TypeErrorC('queueMicrotask: the callback must be a function');
    apply(promiseThen, resolved, [() => callback()]);
  });

  // The structured clone algorithm for the values a solution deals with: primitives, arrays, plain
  // objects, Date, RegExp, Map, Set, ArrayBuffer and typed arrays, cycles kept. Functions and symbols
  // cannot be cloned (DataCloneError), as in Node.
  define('structuredClone', (value) => {
    const seen = new MapC();
    const clone = (v) => {
      if (typeof v === 'function' || typeof v === 'symbol') {
        throw domError(
          'DataCloneError',
          StringC(typeof v === 'function' ? 'function' : 'symbol') + ' could not be cloned.',
        );
      }
      if (v === null || typeof v !== 'object') return v;
      if (apply(mapHas, seen, [v])) return apply(mapGet, seen, [v]);
      let out;
      if (v instanceof DateC) out = new DateC(v.getTime());
      else if (v instanceof RegExpC) out = new RegExpC(v.source, v.flags);
      else if (v instanceof ArrayBufferC) out = v.slice(0);
      else if (ArrayBufferC.isView(v)) out = new v.constructor(v);
      else if (v instanceof MapC) {
        out = new MapC();
        apply(mapSet, seen, [v, out]);
        apply(mapForEach, v, [(val, key) => apply(mapSet, out, [clone(key), clone(val)])]);
        return out;
      } else if (v instanceof SetC) {
        out = new SetC();
        apply(mapSet, seen, [v, out]);
        apply(setForEach, v, [(val) => apply(setAdd, out, [clone(val)])]);
        return out;
      } else if (isArray(v)) {
        out = [];
        apply(mapSet, seen, [v, out]);
        for (let i = 0; i < v.length; i++) out[i] = clone(v[i]);
        return out;
      } else if (v instanceof ErrorC) {
        out = new ErrorC(v.message);
        out.name = v.name;
      } else {
        out = {};
        apply(mapSet, seen, [v, out]);
        const keys = ownKeys(v);
        for (let i = 0; i < keys.length; i++) out[keys[i]] = clone(v[keys[i]]);
        return out;
      }
      apply(mapSet, seen, [v, out]);
      return out;
    };
    return clone(value);
  });

  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }
    encode(input = '') {
      const s = StringC(input);
      const bytes = [];
      for (let i = 0; i < s.length; i++) {
        let c = apply(codePointAt, s, [i]);
        if (c > 0xffff) i++;
        else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        if (c < 0x80) bytes.push(c);
        else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new Uint8ArrayC(bytes);
    }
  }

  class TextDecoder {
    constructor(label = 'utf-8') {
      const l = StringC(label).toLowerCase();
      if (l !== 'utf-8' && l !== 'utf8')
        throw domError('RangeError', 'Only utf-8 is supported here, not ' + label);
    }
    get encoding() {
      return 'utf-8';
    }
    decode(input) {
      if (input === undefined) return '';
      const b = ArrayBufferC.isView(input)
        ? new Uint8ArrayC(input.buffer, input.byteOffset, input.byteLength)
        : new Uint8ArrayC(input);
      let out = '';
      for (let i = 0; i < b.length; ) {
        const c = b[i];
        let cp = 0xfffd;
        let n = 1;
        if (c < 0x80) cp = c;
        else if (c >= 0xc2 && c < 0xe0 && (b[i + 1] & 0xc0) === 0x80) {
          cp = ((c & 31) << 6) | (b[i + 1] & 63);
          n = 2;
        } else if (c >= 0xe0 && c < 0xf0 && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
          cp = ((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63);
          n = 3;
          if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
        } else if (
          c >= 0xf0 &&
          c < 0xf5 &&
          (b[i + 1] & 0xc0) === 0x80 &&
          (b[i + 2] & 0xc0) === 0x80 &&
          (b[i + 3] & 0xc0) === 0x80
        ) {
          cp = ((c & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63);
          n = 4;
          if (cp < 0x10000 || cp > 0x10ffff) cp = 0xfffd;
        }
        if (cp > 0xffff) {
          cp -= 0x10000;
          out += fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
        } else out += fromCharCode(cp);
        i += n;
      }
      return out;
    }
  }
  define('TextEncoder', TextEncoder);
  define('TextDecoder', TextDecoder);

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  define('btoa', (data) => {
    const s = StringC(data);
    let out = '';
    for (let i = 0; i < s.length; i += 3) {
      const a = apply(charCodeAt, s, [i]);
      const b = i + 1 < s.length ? apply(charCodeAt, s, [i + 1]) : 0;
      const c = i + 2 < s.length ? apply(charCodeAt, s, [i + 2]) : 0;
      if (a > 255 || b > 255 || c > 255) {
        throw domError('InvalidCharacterError', 'Invalid character: btoa takes Latin-1 text only');
      }
      out += B64[a >> 2] + B64[((a & 3) << 4) | (b >> 4)];
      out += i + 1 < s.length ? B64[((b & 15) << 2) | (c >> 6)] : '=';
      out += i + 2 < s.length ? B64[c & 63] : '=';
    }
    return out;
  });
  define('atob', (data) => {
    let s = StringC(data).replace(/[\t\n\f\r ]/g, '');
    if (s.length % 4 === 0) s = s.replace(/==?$/, '');
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
      throw domError('InvalidCharacterError', 'The string to be decoded is not correctly encoded.');
    }
    let out = '';
    let bits = 0;
    let buffer = 0;
    for (let i = 0; i < s.length; i++) {
      buffer = (buffer << 6) | B64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += fromCharCode((buffer >> bits) & 255);
      }
    }
    return out;
  });

  // QuickJS has no Intl, and its localeCompare ignores locales and options: a run that leans on them
  // is told so in its verdict instead of failing obscurely.
  const localeCompare = String.prototype.localeCompare;
  Object.defineProperty(String.prototype, 'localeCompare', {
    value: function (that, locales, options) {
      if (locales !== undefined || options !== undefined) {
        note('localeCompare ignores locales and options here: QuickJS compares strings by code unit');
      }
      return apply(localeCompare, this, [that]);
    },
    writable: true,
    configurable: true,
  });

  // A formatter close to Node's util.inspect, for console output.
  const quote = (s) => "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
  const IDENT = /^[A-Za-z_$][\w$]*$/;
  const inspect = (v, depth = 0, seen = []) => {
    switch (typeof v) {
      case 'string':
        return depth === 0 ? v : quote(v);
      case 'number':
        return v === 0 && 1 / v < 0 ? '-0' : StringC(v);
      case 'bigint':
        return StringC(v) + 'n';
      case 'undefined':
        return 'undefined';
      case 'symbol':
        return StringC(v);
      case 'function':
        return v.name ? '[Function: ' + v.name + ']' : '[Function (anonymous)]';
      case 'boolean':
        return StringC(v);
    }
    if (v === null) return 'null';
    if (seen.indexOf(v) >= 0) return '[Circular *1]';
    const inner = (x) => inspect(x, depth + 1, seen.concat([v]));
    if (v instanceof DateC) return isNaNC(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (v instanceof RegExpC) return StringC(v);
    if (v instanceof ErrorC)
      return typeof v.stack === 'string' && v.stack ? v.name + ': ' + v.message : StringC(v);
    if (depth > 2) return isArray(v) ? '[Array]' : '[Object]';
    const list = (open, items, close) =>
      items.length === 0 ? open + close : open + ' ' + items.join(', ') + ' ' + close;
    if (isArray(v))
      return list(
        '[',
        v.map((x) => inner(x)),
        ']',
      );
    if (v instanceof MapC) {
      const items = [];
      apply(mapForEach, v, [(val, key) => items.push(inner(key) + ' => ' + inner(val))]);
      return 'Map(' + v.size + ') ' + list('{', items, '}');
    }
    if (v instanceof SetC) {
      const items = [];
      apply(setForEach, v, [(val) => items.push(inner(val))]);
      return 'Set(' + v.size + ') ' + list('{', items, '}');
    }
    const proto = getPrototypeOf(v);
    const name = proto && proto !== Object.prototype && proto.constructor ? proto.constructor.name : '';
    const keys = ownKeys(v);
    const items = keys.map((k) => (IDENT.test(k) ? k : quote(k)) + ': ' + inner(v[k]));
    return (name ? name + ' ' : proto === null ? '[Object: null prototype] ' : '') + list('{', items, '}');
  };

  // printf-style specifiers as Node's console applies them to its first argument.
  const format = (args) => {
    if (typeof args[0] !== 'string' || args.length === 1) return args.map((a) => inspect(a)).join(' ');
    let i = 1;
    const head = args[0].replace(/%[sdifjoOc%]/g, (spec) => {
      if (spec === '%%') return '%';
      if (i >= args.length) return spec;
      const a = args[i++];
      switch (spec) {
        case '%s':
          return typeof a === 'string' ? a : inspect(a, 1);
        case '%d':
        case '%i':
          return StringC(spec === '%i' ? parseInt(a, 10) : Number(a));
        case '%f':
          return StringC(parseFloat(a));
        case '%j':
          return codec.stringify(a);
        case '%c':
          return '';
        default:
          return inspect(a, 1);
      }
    });
    return [head].concat(args.slice(i).map((a) => inspect(a))).join(' ');
  };

  return { format, notes: () => notes.slice() };
};
