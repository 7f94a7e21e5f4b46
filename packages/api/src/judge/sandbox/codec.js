// Runs inside QuickJS, evaluated before any untrusted code: every intrinsic it uses is captured here,
// so a solution that patches JSON, Reflect or prototypes changes nothing the harness relies on.
// Values cross the sandbox boundary as JSON text. Values JSON cannot carry are tagged objects
// `{"\u0000": kind, v?}`; real keys starting with NUL get one more NUL. Mirrored on the host in codec.ts.
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
  const apply = Reflect.apply;
  const sliceS = String.prototype.slice;
  const assign = Object.assign;
  const execR = RegExp.prototype.exec;
  const InternalErrorC = InternalError;
  const isNaNC = Number.isNaN;

  const tag = (kind, v) => (v === undefined ? { [TAG]: kind } : { [TAG]: kind, v });
  const hasEscapedKey = (ks) => {
    for (let i = 0; i < ks.length; i++) if (ks[i][0] === TAG) return true;
    return false;
  };
  const escapeKeys = (o) => {
    const ks = keys(o);
    if (!hasEscapedKey(ks)) return o;
    const out = {};
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      assign(out, { [k[0] === TAG ? TAG + k : k]: o[k] });
    }
    return out;
  };
  const special = (v, keep) => {
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
        return keep ? tag('undefined') : undefined;
      case 'function':
        return keep ? tag('function', typeof v.name === 'string' ? v.name : '') : undefined;
      case 'symbol':
        return keep ? tag('symbol', StringC(v.description ?? '')) : undefined;
      case 'object':
        return v === null || isArray(v) ? v : escapeKeys(v);
    }
    return v;
  };
  function replacer(_k, v) {
    return special(v, isArray(this));
  }
  const encode = (v) => {
    const text = stringify([v], replacer);
    return apply(sliceS, text, [1, text.length - 1]);
  };
  function reviver(_k, v) {
    if (typeof v !== 'object' || v === null || isArray(v)) return v;
    if (hasOwn(v, TAG)) {
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
        case 'function':
          return '[Function ' + v.v + ']';
        case 'symbol':
          return 'Symbol(' + v.v + ')';
        default:
          return undefined;
      }
    }
    const ks = keys(v);
    if (!hasEscapedKey(ks)) return v;
    const out = {};
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      assign(out, { [k[0] === TAG ? apply(sliceS, k, [1]) : k]: v[k] });
    }
    return out;
  }
  const decode = (text) => parse(text, reviver);

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
        message = typeof e === 'string' ? e : StringC(stringify(special(e, true), replacer));
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
