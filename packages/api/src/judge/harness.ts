import { readFileSync } from 'node:fs';
import { type Reply, readReply, type Signal } from './reply.ts';
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/** Console output kept per test and per run (Exercism keeps 500 characters per test). */
const LOG_PER_TEST = 500;
export const LOG_PER_RUN = 4000;
/** Largest encoded return value accepted from a solution, in characters. */
const RESULT_MAX_CHARS = 1 << 20;
/** QuickJS stack limit; must stay well under the worker thread's 4 MB stack or the host stack overflows first. */
const STACK_BYTES = 512 * 1024;

/** The JavaScript that runs inside QuickJS, read once per worker (see sandbox/*.js). */
const source = (name: string) => readFileSync(new URL(`./sandbox/${name}`, import.meta.url), 'utf8');
const CODEC_JS = source('codec.js');
const USER_JS = source('user.js');
const GLOBALS_JS = source('globals.js');
const CHECKER_JS = source('checker.js');
const USER_LIMITS = JSON.stringify({
  logPerTest: LOG_PER_TEST,
  logPerRun: LOG_PER_RUN,
  resultMaxChars: RESULT_MAX_CHARS,
});

/** A sandbox's clock: the run's deadline, and a tighter one while a test is running. */
class Deadlines {
  private test = Number.POSITIVE_INFINITY;
  readonly run: number;

  constructor(run: number) {
    this.run = run;
  }

  startTest(ms: number): void {
    this.test = performance.now() + ms;
  }

  endTest(): void {
    this.test = Number.POSITIVE_INFINITY;
  }

  /** Which limit has passed, if any: the test's is reported first, it is the tighter one. */
  passed(): 'test' | 'run' | null {
    const now = performance.now();
    if (now > this.test) return 'test';
    return now > this.run ? 'run' : null;
  }
}

/**
 * One QuickJS runtime with its limits, and one context holding a harness object that untrusted code
 * cannot reach (it is never put on globalThis). Thrown away after each run.
 */
export class Sandbox {
  private readonly methods = new Map<string, QuickJSHandle>();
  private handles: QuickJSHandle[] = [];
  /** The WebAssembly module failed underneath this runtime; the worker must replace the module. */
  poisoned = false;

  private readonly rt: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  readonly deadlines: Deadlines;

  private constructor(rt: QuickJSRuntime, ctx: QuickJSContext, deadlines: Deadlines) {
    this.rt = rt;
    this.ctx = ctx;
    this.deadlines = deadlines;
  }

  static user(mod: QuickJSWASMModule, memoryMb: number, deadline: number): Sandbox {
    return Sandbox.open(
      mod,
      memoryMb,
      deadline,
      USER_JS,
      [USER_LIMITS],
      ['call', 'step', 'outcome', 'describe', 'logs', 'notes'],
    );
  }

  static checker(mod: QuickJSWASMModule, memoryMb: number, deadline: number): Sandbox {
    return Sandbox.open(
      mod,
      memoryMb,
      deadline,
      CHECKER_JS,
      [],
      ['generate', 'compile', 'check', 'judgeWith', 'describe'],
    );
  }

  private static open(
    mod: QuickJSWASMModule,
    memoryMb: number,
    deadline: number,
    harnessJs: string,
    harnessArgs: string[],
    names: string[],
  ) {
    const rt = mod.newRuntime();
    rt.setMemoryLimit(memoryMb * 1024 * 1024);
    rt.setMaxStackSize(STACK_BYTES);
    const deadlines = new Deadlines(deadline);
    rt.setInterruptHandler(() => deadlines.passed() !== null);
    const sandbox = new Sandbox(rt, rt.newContext(), deadlines);
    const { ctx } = sandbox;
    const harness = sandbox.build(harnessJs, harnessArgs, harnessJs === USER_JS);
    for (const name of names) sandbox.methods.set(name, sandbox.keep(ctx.getProp(harness, name)));
    return sandbox;
  }

  /**
   * Evaluates the codec, then the harness factory, and calls the factory with the codec, the string
   * arguments and, for the user's runtime, what sandbox/globals.js installed (before any user code).
   */
  private build(harnessJs: string, args: string[], withGlobals: boolean): QuickJSHandle {
    const { ctx } = this;
    const evaluated = (code: string, filename: string) => {
      const result = ctx.evalCode(code, filename, { type: 'global', strict: true });
      if (result.error) {
        result.error.dispose();
        this.dispose();
        throw new Error('The judge harness failed to start');
      }
      return this.keep(result.value);
    };
    const made = (factory: QuickJSHandle, factoryArgs: QuickJSHandle[]) => {
      const result = ctx.callFunction(factory, ctx.undefined, factoryArgs);
      if (result.error) {
        result.error.dispose();
        this.dispose();
        throw new Error('The judge harness failed to start');
      }
      return this.keep(result.value);
    };
    const codec = evaluated(CODEC_JS, 'codec.js');
    const globals = withGlobals ? [made(evaluated(GLOBALS_JS, 'globals.js'), [codec])] : [];
    const factory = evaluated(harnessJs, 'harness.js');
    const argHandles = args.map((a) => this.keep(ctx.newString(a)));
    return made(factory, [codec, ...argHandles, ...globals]);
  }

  /** Which deadline has passed, if any. */
  get expired(): 'test' | 'run' | null {
    return this.deadlines.passed();
  }

  /** Evaluates a script; on success keeps the completion value and returns it for later calls. */
  /**
   * Evaluates a script (its completion value comes back) or an ES module (its namespace comes back:
   * no module loader is set, so it cannot import anything).
   */
  evaluate(
    code: string,
    filename: string,
    type: 'global' | 'module' = 'global',
  ): { value: QuickJSHandle } | { failure: Reply } {
    return this.guard(
      () => {
        const result = this.ctx.evalCode(code, filename, { type });
        if (result.error) return { failure: this.explain(result.error, true) };
        return { value: this.keep(result.value) };
      },
      (signal) => ({ failure: { t: 'signal', signal } }),
    );
  }

  isFunction(handle: QuickJSHandle): boolean {
    return this.ctx.typeof(handle) === 'function';
  }

  /** A module's export `name` when it is a function. */
  exportedFunction(namespace: QuickJSHandle, name: string): QuickJSHandle | null {
    const value = this.keep(this.ctx.getProp(namespace, name));
    return this.isFunction(value) ? value : null;
  }

  /** Calls a harness method with string, number or handle arguments; the method answers with a reply. */
  call(method: string, ...args: (string | number | QuickJSHandle)[]): Reply {
    return this.guard(
      () => this.invoke(method, args, true),
      (signal) => ({ t: 'signal', signal }),
    );
  }

  /** Runs queued promise jobs with the interrupt still armed; a failing job is an engine signal. */
  drain(): Reply | null {
    return this.guard<Reply | null>(
      () => {
        if (!this.rt.hasPendingJob()) return null;
        const result = this.rt.executePendingJobs(-1);
        if (result.error) return this.explain(result.error, true);
        return null;
      },
      (signal) => ({ t: 'signal', signal }),
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

  private invoke(method: string, args: (string | number | QuickJSHandle)[], describeThrown: boolean): Reply {
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
      return readReply(text);
    } finally {
      for (const h of owned) h.dispose();
    }
  }

  /**
   * An error that escaped the harness: the interrupt (uncatchable), out of memory, or a load-time error
   * the harness never saw. The clock decides first because an interrupted VM may not be readable.
   * QuickJS reports some out-of-memory conditions as a bare `null` (or `""`) exception value.
   */
  private explain(error: QuickJSHandle, describeThrown: boolean): Reply {
    try {
      if (this.expired) return { t: 'signal', signal: 'time' };
      const dumped: unknown = this.ctx.dump(error);
      if (dumped === '') return { t: 'signal', signal: 'memory' };
      if (
        typeof dumped === 'object' &&
        dumped !== null &&
        (dumped as { name?: unknown }).name === 'InternalError'
      ) {
        const { message } = dumped as { message?: unknown };
        if (message === 'out of memory') return { t: 'signal', signal: 'memory' };
        if (message === 'interrupted') return { t: 'signal', signal: 'time' };
        if (message === 'stack overflow') return { t: 'signal', signal: 'stack' };
      }
      if (!describeThrown) {
        return { t: 'thrown', error: { name: 'InternalError', message: 'The judge harness failed' } };
      }
      return this.invoke('describe', [error], false);
    } catch (e) {
      if (isModuleFailure(e)) throw e;
      return { t: 'signal', signal: 'memory' };
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
