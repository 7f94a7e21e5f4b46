import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/** Console output kept per test and per run (Exercism keeps 500 characters per test). */
export const LOG_PER_TEST = 500;
export const LOG_PER_RUN = 4000;
/** Largest encoded return value accepted from a solution, in characters. */
export const RESULT_MAX_CHARS = 1 << 20;
/** QuickJS stack limit; must stay well under the worker thread's 4 MB stack or the host stack overflows first. */
const STACK_BYTES = 512 * 1024;

/**
 * Values cross the sandbox boundary as JSON text only. Values JSON cannot carry are tagged objects
 * `{"\u0000": kind, v?}`; real keys starting with NUL get one more NUL. Mirrored on the host in codec.ts.
 * Runs inside QuickJS with intrinsics captured before any untrusted code.
 */
const CODEC = `
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
  const tag = (kind, v) => (v === undefined ? { [TAG]: kind } : { [TAG]: kind, v });
  const escapeKeys = (o) => {
    const ks = keys(o);
    let escaped = false;
    for (let i = 0; i < ks.length; i++) if (ks[i][0] === TAG) escaped = true;
    if (!escaped) return o;
    const out = {};
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      assign(out, { [k[0] === TAG ? TAG + k : k]: o[k] });
    }
    return out;
  };
  function special(v, keep) {
    switch (typeof v) {
      case 'number':
        if (v !== v) return tag('NaN');
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
  }
  function replacer(k, v) {
    return special(v, isArray(this));
  }
  const encode = (v) => {
    const text = stringify([v], replacer);
    return apply(sliceS, text, [1, text.length - 1]);
  };
  function reviver(k, v) {
    if (typeof v !== 'object' || v === null || isArray(v)) return v;
    if (hasOwn(v, TAG)) {
      switch (v[TAG]) {
        case 'NaN': return NaN;
        case 'Infinity': return Infinity;
        case '-Infinity': return -Infinity;
        case '-0': return -0;
        case 'bigint': return BigIntC(v.v);
        case 'function': return '[Function ' + v.v + ']';
        case 'symbol': return 'Symbol(' + v.v + ')';
        default: return undefined;
      }
    }
    const ks = keys(v);
    let escaped = false;
    for (let i = 0; i < ks.length; i++) if (ks[i][0] === TAG) escaped = true;
    if (!escaped) return v;
    const out = {};
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      assign(out, { [k[0] === TAG ? apply(sliceS, k, [1]) : k]: v[k] });
    }
    return out;
  }
  const decode = (text) => parse(text, reviver);
  const describe = (e) => {
    let name = 'Error';
    let message = '';
    let line = null;
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        name = StringC(e.name);
        message = StringC(e.message);
        if (e.fileName === 'solution.js' && typeof e.lineNumber === 'number') line = e.lineNumber;
        const m = typeof e.stack === 'string' ? apply(execR, /solution\\.js:(\\d+)/, [e.stack]) : null;
        if (line === null && m) line = +m[1];
        if (name === 'SyntaxError' && e.fileName === 'solution.js') {
          return stringify({ __proto__: null, syntax: { __proto__: null, name, message, line } });
        }
      } else {
        name = 'Thrown value';
        message = typeof e === 'string' ? e : StringC(stringify(special(e, true), replacer));
      }
    } catch {
      message = '(unreadable error)';
    }
    // Null prototypes: a solution's Object.prototype.toJSON must not rewrite the harness's own answers.
    const thrown = { __proto__: null, name: apply(sliceS, name, [0, 100]), message: apply(sliceS, message, [0, 500]), line };
    return stringify({ __proto__: null, thrown });
  };
  const isOutOfMemory = (e) => e === null || (e instanceof InternalErrorC && e.message === 'out of memory');
`;

/** The user's runtime: console capture, and `call(fn, argsJson)` returning an encoded outcome. */
const USER_HARNESS = `(() => {
  'use strict';
  ${CODEC}
  const PromiseC = Promise;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  let log = '';
  let testRoom = ${LOG_PER_TEST};
  let runRoom = ${LOG_PER_RUN};
  const show = (v) => {
    if (typeof v === 'string') return v;
    try {
      const s = stringify(v);
      if (typeof s === 'string') return s;
    } catch {}
    try {
      return StringC(v);
    } catch {
      return '[unprintable]';
    }
  };
  const write = (...args) => {
    if (testRoom <= 0 || runRoom <= 0) return;
    let line = '';
    for (let i = 0; i < args.length; i++) line += (i ? ' ' : '') + show(args[i]);
    const room = testRoom < runRoom ? testRoom : runRoom;
    line = line.length >= room ? apply(sliceS, line, [0, room - 1]) + '…\\n' : line + '\\n';
    testRoom -= line.length;
    runRoom -= line.length;
    log += line;
  };
  const console = Object.freeze({ log: write, info: write, warn: write, error: write, debug: write, trace: write });
  Object.defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true });
  const thrown = (e) => (isOutOfMemory(e) ? '{"oom":true}' : describe(e));
  const ok = (v) => {
    try {
      const text = encode(v);
      if (text.length > ${RESULT_MAX_CHARS}) throw new RangeError('The return value is larger than ${RESULT_MAX_CHARS >> 20} MiB');
      return '{"ok":' + text + '}';
    } catch (e) {
      return thrown(e);
    }
  };
  let outcome = null;
  return {
    call(fn, argsJson) {
      testRoom = ${LOG_PER_TEST};
      outcome = null;
      let r;
      try {
        r = apply(fn, undefined, decode(argsJson));
        if (r === null || (typeof r !== 'object' && typeof r !== 'function') || typeof r.then !== 'function') return ok(r);
        apply(promiseThen, apply(promiseResolve, PromiseC, [r]), [(v) => { outcome = ok(v); }, (e) => { outcome = thrown(e); }]);
      } catch (e) {
        return thrown(e);
      }
      return '{"pending":true}';
    },
    outcome: () => outcome ?? '{"pending":true}',
    describe,
    logs() {
      const s = log;
      log = '';
      return s;
    },
  };
})()`;

/**
 * The challenge's own code (generator and checker) runs here, never next to the user's code.
 * `Math.random` is a seeded mulberry32 so a seed replays the same inputs.
 */
const CHECKER_HARNESS = `(() => {
  'use strict';
  ${CODEC}
  const indirectEval = eval;
  const imul = Math.imul;
  let state = 0;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = imul(state ^ (state >>> 15), 1 | state);
    t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let checker = null;
  return {
    generate(seed, source) {
      state = seed | 0;
      Math.random = random;
      const args = indirectEval(source);
      if (!isArray(args)) throw new TypeError('inFn must evaluate to an array of arguments, got ' + (args === null ? 'null' : typeof args));
      return encode(args);
    },
    compile(body) {
      checker = new Function('input', 'output', body);
      return 'ok';
    },
    check(inputJson, outputJson) {
      const r = checker(decode(inputJson), decode(outputJson));
      return r === true ? 'pass' : r === false ? 'fail' : 'returned ' + (r === null ? 'null' : typeof r) + ', not a boolean';
    },
    describe,
  };
})()`;

export type Signal = 'time' | 'memory' | 'stack';

/** What came back from the sandbox: the harness's JSON answer, or a signal that ended the call. */
export type Answer = { text: string } | { error: ThrownError } | { signal: Signal };
export type ThrownError = { name: string; message: string; line?: number | null };

/**
 * One QuickJS runtime with its limits, and one context holding a harness object that untrusted code
 * cannot reach (it is never put on globalThis). Thrown away after each run.
 */
export class Sandbox {
  private readonly methods = new Map<string, QuickJSHandle>();
  private handles: QuickJSHandle[] = [];
  /** The WebAssembly module failed underneath this runtime; the worker must replace the module. */
  poisoned = false;

  private constructor(
    private readonly rt: QuickJSRuntime,
    private readonly ctx: QuickJSContext,
    private readonly deadline: number,
  ) {}

  static user(mod: QuickJSWASMModule, memoryMb: number, deadline: number): Sandbox {
    return Sandbox.open(mod, memoryMb, deadline, USER_HARNESS, ['call', 'outcome', 'describe', 'logs']);
  }

  static checker(mod: QuickJSWASMModule, memoryMb: number, deadline: number): Sandbox {
    return Sandbox.open(mod, memoryMb, deadline, CHECKER_HARNESS, [
      'generate',
      'compile',
      'check',
      'describe',
    ]);
  }

  private static open(
    mod: QuickJSWASMModule,
    memoryMb: number,
    deadline: number,
    harness: string,
    names: string[],
  ) {
    const rt = mod.newRuntime();
    rt.setMemoryLimit(memoryMb * 1024 * 1024);
    rt.setMaxStackSize(STACK_BYTES);
    rt.setInterruptHandler(() => performance.now() > deadline);
    const sandbox = new Sandbox(rt, rt.newContext(), deadline);
    const result = sandbox.ctx.evalCode(harness, 'harness.js', { type: 'global', strict: true });
    if (result.error) {
      result.error.dispose();
      sandbox.dispose();
      throw new Error('The judge harness failed to start');
    }
    for (const name of names)
      sandbox.methods.set(name, sandbox.keep(sandbox.ctx.getProp(result.value, name)));
    result.value.dispose();
    return sandbox;
  }

  get expired(): boolean {
    return performance.now() > this.deadline;
  }

  /** Evaluates a script; on success keeps the completion value and returns it for later calls. */
  evaluate(code: string, filename: string): { value: QuickJSHandle } | { failure: Answer } {
    return this.guard(
      () => {
        const result = this.ctx.evalCode(code, filename, { type: 'global' });
        if (result.error) return { failure: this.explain(result.error, true) };
        return { value: this.keep(result.value) };
      },
      (signal) => ({ failure: { signal } }),
    );
  }

  isFunction(handle: QuickJSHandle): boolean {
    return this.ctx.typeof(handle) === 'function';
  }

  /** Calls a harness method with string, number or handle arguments; the method answers with a string. */
  call(method: string, ...args: (string | number | QuickJSHandle)[]): Answer {
    return this.guard(
      () => this.invoke(method, args, true),
      (signal) => ({ signal }),
    );
  }

  /** Runs queued promise jobs with the interrupt still armed; a failing job is an engine signal. */
  drain(): Answer | null {
    return this.guard<Answer | null>(
      () => {
        if (!this.rt.hasPendingJob()) return null;
        const result = this.rt.executePendingJobs(-1);
        if (result.error) return this.explain(result.error, true);
        return null;
      },
      (signal) => ({ signal }),
    );
  }

  /** Frees the runtime. False when QuickJS could not free it cleanly, and the module must be replaced. */
  dispose(): boolean {
    try {
      for (const h of this.handles) if (h.alive) h.dispose();
      this.handles = [];
      if (this.ctx.alive) this.ctx.dispose();
      if (this.rt.alive) this.rt.dispose();
      return true;
    } catch {
      return false;
    }
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle);
    return handle;
  }

  private invoke(method: string, args: (string | number | QuickJSHandle)[], describeThrown: boolean): Answer {
    const fn = this.methods.get(method);
    if (!fn) throw new Error(`No harness method ${method}`);
    const owned: QuickJSHandle[] = [];
    const handles = args.map((a) => {
      if (typeof a !== 'string' && typeof a !== 'number') return a;
      const h = typeof a === 'string' ? this.ctx.newString(a) : this.ctx.newNumber(a);
      owned.push(h);
      return h;
    });
    try {
      const result = this.ctx.callFunction(fn, this.ctx.undefined, handles);
      if (result.error) return this.explain(result.error, describeThrown);
      const text = this.ctx.getString(result.value);
      result.value.dispose();
      return { text };
    } finally {
      for (const h of owned) h.dispose();
    }
  }

  /**
   * An error that escaped the harness: the interrupt (uncatchable), out of memory, or a load-time error
   * the harness never saw. The clock decides first because an interrupted VM may not be readable.
   * QuickJS reports some out-of-memory conditions as a bare `null` (or `""`) exception value.
   */
  private explain(error: QuickJSHandle, describeThrown: boolean): Answer {
    try {
      if (this.expired) return { signal: 'time' };
      const dumped: unknown = this.ctx.dump(error);
      if (dumped === null || dumped === '') return { signal: 'memory' };
      if (typeof dumped === 'object' && (dumped as { name?: unknown }).name === 'InternalError') {
        const { message } = dumped as { message?: unknown };
        if (message === 'out of memory') return { signal: 'memory' };
        if (message === 'interrupted') return { signal: 'time' };
        if (message === 'stack overflow') return { signal: 'stack' };
      }
      if (!describeThrown) return { error: { name: 'InternalError', message: 'The judge harness failed' } };
      return this.invoke('describe', [error], false);
    } catch (e) {
      if (isModuleFailure(e)) throw e;
      return { signal: 'memory' };
    } finally {
      if (error.alive) error.dispose();
    }
  }

  /**
   * A host RangeError (the thread's own stack overflowed inside WebAssembly) or a WebAssembly trap
   * leaves the module unusable (quickjs-emscripten#30, #60): answer with a signal and mark it poisoned.
   */
  private guard<T>(fn: () => T, signalled: (signal: Signal) => T): T {
    if (this.poisoned) return signalled('memory');
    try {
      return fn();
    } catch (error) {
      if (!isModuleFailure(error)) throw error;
      this.poisoned = true;
      return signalled(error instanceof RangeError ? 'stack' : 'memory');
    }
  }
}

/** A host stack overflow inside WebAssembly, or a WebAssembly trap (`RuntimeError`: out of bounds, unreachable). */
function isModuleFailure(error: unknown): boolean {
  return error instanceof RangeError || (error instanceof Error && error.name === 'RuntimeError');
}
