// Longer than our ~300-line habit on purpose: one run, from loading the code to the verdict, read top
// to bottom (the Run class); authoring checks are in check.ts, replies in reply.ts.
import {
  type JsonValue,
  type CallTest,
  type ExpectedError,
  type Generator,
  isSequenceTest,
  type Language,
  type SequenceTest,
  type Step,
  type TestCase,
  type TestKind,
} from '@skillbytes/shared';
import { fromTagged } from '@skillbytes/shared';
import type { QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { decode, encodeJson, toShown } from './codec.ts';
import { matches } from './compare.ts';
import { LOG_PER_RUN, Sandbox } from './harness.ts';
import type { Reply, Signal, ThrownError } from './reply.ts';
import { toJavaScript } from './typescript.ts';
import {
  type FailureDetail,
  type FirstFailure,
  type JudgedRun,
  type TestRef,
  type TimeScope,
  VerdictBuilder,
} from './verdict.ts';

/** One judge run as the worker receives it. Run mode sends no hidden tests and no generator. */
export type RunJob = {
  code: string;
  /** The solution's language: TypeScript has its types stripped (judgeRun, in the worker) before it runs. */
  language: Language;
  functionName: string;
  tests: TestCase[];
  hiddenTests: TestCase[];
  generator: Generator | null;
  seed: number | null;
  collectLogs: boolean;
  /** Submit mode: hidden and generated tests are judged and reported as one pass/fail. */
  judgesHidden: boolean;
  reveal: boolean;
  timeoutMs: number;
  testTimeoutMs: number;
  memoryMb: number;
};

export type CheckJob = Omit<RunJob, 'code' | 'seed' | 'collectLogs' | 'reveal' | 'judgesHidden'> & {
  solution: string | null;
};

/** The worker's WebAssembly module: how many bytes of memory it has now, and had when it was loaded. */
export type Engine = { mod: QuickJSWASMModule; heapBytes(): number; loadedBytes: number };

/** What the worker reports while a run is going, so the host watchdog can still give a fair verdict. */
export type RunEvents = {
  /** `testStartedMs`: when the running test started, in ms since the run began. */
  progress(passed: number, position: number, testStartedMs: number): void;
  failure(first: FirstFailure): void;
};

/** The challenge's own generator broke: not the submitter's fault, and not a verdict. */
export class GeneratorFault extends Error {}

export type RunResult = { run: JudgedRun; poisoned: boolean };

/** checkChallenge's generated cases always use this seed, so a check is repeatable. */
export const CHECK_SEED = 1;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/**
 * Code pasted from a module (`export function f`, `export default`, `export const`, `export class`):
 * judged as an ES module, its function taken from the exports. A line that starts with `export` or
 * `import` is what QuickJS's own module detection looks for too.
 */
const MODULE_SYNTAX = /^[ \t]*(export|import)[\s{*]/m;

/** How one test's return value is judged: null when right, a failure's detail, or a limit the check hit. */
type Check = (json: string) => FailureDetail | null | 'time' | 'memory';

/** What one test (or one step of a class test) came to. */
type Outcome =
  | { t: 'pass' }
  | {
      t: 'fail';
      status: 'wrong_answer' | 'runtime_error';
      detail: FailureDetail;
      /** The module broke underneath (a host stack overflow): nothing more can run. */
      stopsRun?: boolean;
      step?: number;
      input?: () => unknown;
    }
  | { t: 'stop'; signal: 'time' | 'memory'; scope: TimeScope; step?: number; input?: () => unknown };

/** A step as the sandbox's `step` method takes it: the action, the member's name, the arguments. */
function stepAction(step: Step): ['new' | 'call' | 'get' | 'iterate', string, JsonValue[]] {
  if (step.new !== undefined) return ['new', '', step.new];
  if (step.call !== undefined) return ['call', step.call, step.args ?? []];
  if (step.get !== undefined) return ['get', step.get, []];
  return ['iterate', '', []];
}

/** Each generated case gets its own PRNG seed derived from the run's seed and the case index. */
export function caseSeed(seed: number, index: number): number {
  return (seed + Math.imul(index + 1, 0x9e3779b9)) | 0;
}

/**
 * QuickJS throws a bare `null` when memory is so full that it cannot even allocate the out-of-memory
 * error, and by the time the harness sees it the memory is freed again; a solution may also simply
 * `throw null`. What tells them apart is the WebAssembly memory, which only ever grows: a run that ran
 * out of memory grew it. Every run starts on a module at its loaded size (see judgeRun), so growth
 * during a call is this call's doing. (A solution that allocates tens of MB and then throws null is
 * reported as out of memory: the one ambiguity left.)
 */
function grewDuring(engine: Engine, before: number): boolean {
  return engine.heapBytes() > before;
}

export function judgeRun(
  engine: Engine,
  job: RunJob,
  events: RunEvents,
  deadline = performance.now() + job.timeoutMs,
): RunResult {
  const builder = new VerdictBuilder({
    visible: job.tests.length,
    judgesHidden: job.judgesHidden,
    reveal: job.reveal,
    seed: job.generator ? job.seed : null,
    timeMs: job.timeoutMs,
    testTimeMs: job.testTimeoutMs,
    memoryMb: job.memoryMb,
  });
  const stripStarted = performance.now();
  const source = toJavaScript(job.code, job.language);
  builder.durationMs += performance.now() - stripStarted;
  if ('compileError' in source)
    return { run: builder.early('compile_error', source.compileError), poisoned: false };
  const user = Sandbox.user(engine.mod, job.memoryMb, deadline);
  const opened: { checker: Sandbox | null } = { checker: null };
  const checker = () => {
    opened.checker ??= Sandbox.checker(engine.mod, job.memoryMb, deadline);
    return opened.checker;
  };
  const release = () => {
    const wasPoisoned = user.poisoned || (opened.checker?.poisoned ?? false);
    const released = user.dispose() && (opened.checker?.dispose() ?? true);
    return wasPoisoned || !released;
  };
  // The checker's runtime is made before the solution runs: made later, it could find the module's
  // memory taken by the solution and fail to start, which would cost the submission its verdict.
  const usesChecker = [...job.tests, ...job.hiddenTests].some((t) =>
    isSequenceTest(t) ? t.steps.some((s) => s.compare?.mode === 'checker') : t.compare?.mode === 'checker',
  );
  if (job.generator || usesChecker) checker();
  const run = new Run({ engine, job: { ...job, code: source.code }, builder, user, events, checker });
  let judged: JudgedRun;
  try {
    judged = withNotes(run.judge(), run.notes);
  } catch (error) {
    release();
    throw error;
  }
  // After an out-of-memory the module itself is suspect (quickjs-emscripten#30): replace it too. A module
  // that grew is replaced as well (a load costs ~10 ms), so the next run's `null` exceptions read right.
  const poisoned = release() || run.memoryExhausted || engine.heapBytes() > engine.loadedBytes;
  return { run: judged, poisoned };
}

class Run {
  private position = 0;
  private readonly startedAt = performance.now();
  memoryExhausted = false;

  private readonly engine: Engine;
  private readonly job: RunJob;
  private readonly builder: VerdictBuilder;
  private readonly user: Sandbox;
  private readonly events: RunEvents;
  private readonly checker: () => Sandbox;

  constructor(parts: {
    engine: Engine;
    job: RunJob;
    builder: VerdictBuilder;
    user: Sandbox;
    events: RunEvents;
    checker: () => Sandbox;
  }) {
    this.engine = parts.engine;
    this.job = parts.job;
    this.builder = parts.builder;
    this.user = parts.user;
    this.events = parts.events;
    this.checker = parts.checker;
  }

  judge(): JudgedRun {
    const { job, builder, user } = this;
    this.events.progress(0, -1, 0);
    const heapBefore = this.engine.heapBytes();
    const isModule = MODULE_SYNTAX.test(job.code);
    let namespace: QuickJSHandle | null = null;
    const loaded = this.timed(() => {
      const result = user.evaluate(job.code, 'solution.js', isModule ? 'module' : 'global');
      if ('failure' in result) return result.failure;
      if (isModule) namespace = result.value;
      return user.drain();
    });
    this.collectLogs();
    if (loaded) return this.loadFailure(loaded, heapBefore);

    if (!IDENTIFIER.test(job.functionName)) return builder.early('missing_function', this.missing);
    const fn = namespace ? this.exported(namespace) : this.resolveGlobal(heapBefore);
    if ('verdict' in fn) return fn;

    const stopped = this.runFixed('visible', job.tests, fn.handle);
    // Read now: what code did on hidden tests must not show, not even through a note.
    this.notes = this.readNotes();
    if (stopped || !job.judgesHidden || builder.first) return builder.finish();
    builder.startHidden();
    if (this.runFixed('hidden', job.hiddenTests, fn.handle)) return builder.finish();
    if (job.generator) this.runGenerated(job.generator, fn.handle);
    return builder.finish();
  }

  /** A class challenge's tests are all class tests (check.ts refuses a mix). */
  private get asked(): 'class' | 'function' {
    return this.job.tests.some(isSequenceTest) ? 'class' : 'function';
  }

  private get missing(): string {
    return `Define a ${this.asked} named ${this.job.functionName}`;
  }

  /** What the solution used that QuickJS cannot do as Node would (globals.js), while loading and on visible tests. */
  notes: string[] = [];

  private readNotes(): string[] {
    const reply = this.user.call('notes');
    return reply.t === 'notes' && Array.isArray(reply.notes) ? reply.notes.map(String).slice(0, 5) : [];
  }

  /** The function of a module: the export named like it, or else the default export. */
  private exported(namespace: QuickJSHandle): { handle: QuickJSHandle } | JudgedRun {
    const { job, user } = this;
    const handle =
      user.exportedFunction(namespace, job.functionName) ?? user.exportedFunction(namespace, 'default');
    if (handle) return { handle };
    return this.builder.early(
      'missing_function',
      `Export a ${this.asked} named ${job.functionName} (or make it the default export)`,
    );
  }

  /** The function of a script: whatever the name means at global scope (declarations, const, let). */
  private resolveGlobal(heapBefore: number): { handle: QuickJSHandle } | JudgedRun {
    const { job, builder, user } = this;
    const missing = this.missing;
    const resolved = this.timed(() => user.evaluate(job.functionName, 'resolve.js'));
    if ('failure' in resolved) {
      const failure = resolved.failure;
      if (failure.t === 'signal' && failure.signal !== 'stack') return this.loadFailure(failure, heapBefore);
      return builder.early('missing_function', missing);
    }
    if (!user.isFunction(resolved.value)) {
      return builder.early('missing_function', `${missing}; ${job.functionName} is not a ${this.asked}`);
    }
    return { handle: resolved.value };
  }

  /** Visible tests all run (unless a limit stops the run); hidden ones stop at their first failure. */
  private runFixed(kind: TestKind, tests: TestCase[], fn: QuickJSHandle): boolean {
    for (const [index, test] of tests.entries()) {
      const ref = { kind, index };
      const stop = isSequenceTest(test) ? this.runSequence(ref, fn, test) : this.runCall(ref, test, fn);
      if (stop || (kind !== 'visible' && this.builder.first)) return true;
    }
    return false;
  }

  private runCall(ref: TestRef, test: CallTest, fn: QuickJSHandle): boolean {
    const expectsError = test.expectedError;
    return this.runCase(
      ref,
      fn,
      encodeJson(test.input),
      () => test.input,
      (json) => {
        const actual = decode(json);
        if (expectsError)
          return { input: test.input, expected: { throws: expectsError }, actual: toShown(actual) };
        const matched = matches(actual, fromTagged(test.expectedOutput), test.compare);
        if (matched === null) return this.checkWithChecker(test, json, actual);
        if (matched) return null;
        return { input: test.input, expected: test.expectedOutput, actual: toShown(actual) };
      },
      expectsError,
    );
  }

  /** A test whose comparison is a checker of its own: it runs in the checker's runtime. */
  private checkWithChecker(
    test: CallTest,
    json: string,
    actual: unknown,
  ): FailureDetail | null | 'time' | 'memory' {
    if (test.compare?.mode !== 'checker') return null;
    const verdict = this.checker().call(
      'judgeWith',
      test.compare.checker,
      encodeJson(test.input),
      json,
      encodeJson(test.expectedOutput),
    );
    if (verdict.t === 'signal') return verdict.signal === 'time' ? 'time' : 'memory';
    if (verdict.t === 'pass') return null;
    const why = verdict.t === 'fail' ? 'the checker returned false' : `checker: ${replyText(verdict)}`;
    return {
      input: test.input,
      expected: test.expectedOutput,
      actual: toShown(actual),
      error: { name: 'CheckFailed', message: why },
    };
  }

  private runGenerated(generator: Generator, fn: QuickJSHandle): void {
    const checker = this.checker();
    const compiled = checker.call('compile', generator.outFn, generator.style ?? 'native');
    // The challenge's own code was checked at authoring, so an engine signal here is the solution's
    // doing (it took the time or the module's memory): a limit, never a fault of the judge.
    if (compiled.t !== 'ready') {
      if (compiled.t === 'signal') {
        this.stop(
          { kind: 'generated', index: 0 },
          compiled.signal === 'time' ? 'time' : 'memory',
          'submission',
        );
        return;
      }
      throw new GeneratorFault(`outFn does not compile: ${replyText(compiled)}`);
    }
    const seed = this.job.seed ?? 0;
    for (let index = 0; index < generator.cases; index++) {
      const ref: TestRef = { kind: 'generated', index };
      const generated = checker.call(
        'generate',
        caseSeed(seed, index),
        generator.inFn,
        generator.style ?? 'native',
      );
      if (generated.t !== 'value') {
        if (generated.t === 'signal') {
          this.stop(ref, generated.signal === 'time' ? 'time' : 'memory', 'submission');
          return;
        }
        throw new GeneratorFault(`inFn failed for case ${index + 1}: ${replyText(generated)}`);
      }
      const argsJson = generated.json;
      const input = () => toShown(decode(argsJson));
      const stop = this.runCase(ref, fn, argsJson, input, (json) => {
        const verdict = checker.call('check', argsJson, json);
        if (checker.poisoned) return 'memory';
        if (verdict.t === 'signal') return verdict.signal === 'time' ? 'time' : 'memory';
        if (verdict.t === 'pass') return null;
        const why = verdict.t === 'fail' ? 'outFn returned false' : `outFn: ${replyText(verdict)}`;
        return {
          input: input(),
          actual: toShown(decode(json)),
          error: { name: 'CheckFailed', message: why },
        };
      });
      if (stop || this.builder.first) return;
    }
  }

  /** Runs one call test under its own time limit; true when the run must stop (time or memory limit). */
  private runCase(
    ref: TestRef,
    fn: QuickJSHandle,
    argsJson: string,
    input: () => unknown,
    check: Check,
    expectsError?: ExpectedError,
  ): boolean {
    return this.runTest(ref, input, () => {
      const heapBefore = this.engine.heapBytes();
      const answer = this.timed(() => this.settle(this.user.call('call', fn, argsJson)));
      return this.outcomeOf(answer, heapBefore, input, check, expectsError);
    });
  }

  /**
   * Runs one class test: its steps in order on one instance, under one time limit for the whole test.
   * The first step that fails decides; a failure shows the steps up to it and which step it was.
   */
  private runSequence(ref: TestRef, cls: QuickJSHandle, test: SequenceTest): boolean {
    const upTo = (step: number) => () => ({ steps: test.steps.slice(0, step + 1) });
    return this.runTest(ref, upTo(test.steps.length - 1), () => {
      for (const [index, step] of test.steps.entries()) {
        const [kind, name, args] = stepAction(step);
        const heapBefore = this.engine.heapBytes();
        const answer = this.timed(() =>
          this.settle(this.user.call('step', cls, kind, name, encodeJson(args))),
        );
        const input = upTo(index);
        const outcome = this.outcomeOf(
          answer,
          heapBefore,
          input,
          this.stepCheck(step, input),
          step.expectedError,
        );
        if (outcome.t !== 'pass') return { ...outcome, step: index, input };
      }
      return { t: 'pass' };
    });
  }

  /** A step's own comparison: its expected output, or nothing when it only must not throw. */
  private stepCheck(step: Step, input: () => unknown): Check {
    return (json) => {
      const actual = decode(json);
      if (step.expectedError)
        return { input: input(), expected: { throws: step.expectedError }, actual: toShown(actual) };
      if (step.expectedOutput === undefined) return null;
      const test = {
        input: step.args ?? step.new ?? [],
        expectedOutput: step.expectedOutput,
        compare: step.compare,
      };
      const matched = matches(actual, fromTagged(step.expectedOutput), step.compare);
      if (matched === null) return this.checkWithChecker(test, json, actual);
      if (matched) return null;
      return { input: input(), expected: step.expectedOutput, actual: toShown(actual) };
    };
  }

  /** One test's frame: progress for the watchdog, the per-test clock, logs, and the outcome recorded. */
  private runTest(ref: TestRef, input: () => unknown, body: () => Outcome): boolean {
    const { builder, user } = this;
    this.events.progress(builder.passed, this.position++, performance.now() - this.startedAt);
    user.deadlines.startTest(this.job.testTimeoutMs);
    const testStarted = performance.now();
    const outcome = body();
    user.deadlines.endTest();
    builder.slowestTestMs = Math.max(builder.slowestTestMs, performance.now() - testStarted);
    this.collectLogs(ref.kind);
    const shownInput = 'input' in outcome && outcome.input ? outcome.input : input;
    switch (outcome.t) {
      case 'pass':
        builder.pass(ref);
        return false;
      case 'stop':
        return this.stop(ref, outcome.signal, outcome.scope, shownInput, outcome.step);
      default:
        this.record(outcome.status, ref, {
          ...outcome.detail,
          step: 'step' in outcome ? outcome.step : undefined,
        });
        return outcome.stopsRun ?? false;
    }
  }

  /** A call's reply once any promise it returned has settled (the jobs queue runs under the same clock). */
  private settle(first: Reply): Reply {
    const drained = this.user.drain();
    if (drained) return drained;
    if (first.t !== 'pending') return first;
    const settled = this.user.call('outcome');
    if (settled.t !== 'pending') return settled;
    return {
      t: 'thrown',
      error: { name: 'Error', message: 'The function returned a promise that never settled' },
    };
  }

  /** What one call's reply means for its test: a pass, a failure to record, or a limit that stops the run. */
  private outcomeOf(
    answer: Reply,
    heapBefore: number,
    input: () => unknown,
    check: Check,
    expectsError?: ExpectedError,
  ): Outcome {
    // An interrupt inside an async function surfaces as an ordinary rejection: the clock decides.
    const expired = this.user.expired;
    if (expired) return { t: 'stop', signal: 'time', scope: expired === 'test' ? 'test' : 'submission' };
    switch (answer.t) {
      case 'value': {
        let detail: ReturnType<Check>;
        try {
          detail = check(answer.json);
        } catch {
          const error = { name: 'Error', message: 'The return value could not be read' };
          return { t: 'fail', status: 'runtime_error', detail: { input: input(), error } };
        }
        if (detail === 'time' || detail === 'memory')
          return { t: 'stop', signal: detail, scope: 'submission' };
        return detail === null ? { t: 'pass' } : { t: 'fail', status: 'wrong_answer', detail };
      }
      case 'signal':
        if (answer.signal !== 'stack') return { t: 'stop', signal: answer.signal, scope: 'test' };
        return {
          t: 'fail',
          status: 'runtime_error',
          detail: { input: input(), error: { name: 'InternalError', message: 'stack overflow' } },
          stopsRun: this.user.poisoned,
        };
      case 'oom':
        return { t: 'stop', signal: 'memory', scope: 'test' };
      case 'thrown': {
        if (answer.isNull && grewDuring(this.engine, heapBefore))
          return { t: 'stop', signal: 'memory', scope: 'test' };
        const thrown = plainError(answer.error);
        if (!expectsError)
          return { t: 'fail', status: 'runtime_error', detail: { input: input(), error: thrown } };
        if (throwsAsExpected(thrown, expectsError)) return { t: 'pass' };
        const detail = { input: input(), expected: { throws: expectsError }, actual: { throws: thrown } };
        return { t: 'fail', status: 'wrong_answer', detail };
      }
      default:
        return {
          t: 'fail',
          status: 'runtime_error',
          detail: { input: input(), error: plainError(unreadable(answer)) },
        };
    }
  }

  private stop(
    ref: TestRef,
    signal: 'time' | 'memory',
    scope: TimeScope,
    input?: () => unknown,
    step?: number,
  ): true {
    const status = signal === 'time' ? 'time_limit_exceeded' : 'memory_limit_exceeded';
    if (signal === 'memory') this.memoryExhausted = true;
    this.record(status, ref, { input: input?.(), step }, scope);
    return true;
  }

  private record(status: FirstFailure['status'], ref: TestRef, detail: FailureDetail, scope?: TimeScope) {
    const first = this.builder.fail(status, ref, detail, scope);
    if (first) this.events.failure(first);
  }

  private loadFailure(answer: Reply, heapBefore: number): JudgedRun {
    const { builder, job } = this;
    const isOutOfMemory =
      (answer.t === 'signal' && answer.signal === 'memory') ||
      answer.t === 'oom' ||
      (answer.t === 'thrown' && answer.isNull === true && grewDuring(this.engine, heapBefore));
    if (isOutOfMemory) {
      this.memoryExhausted = true;
      return builder.early('memory_limit_exceeded', 'The solution ran out of memory while loading');
    }
    if (answer.t === 'signal' && answer.signal === 'time') {
      return builder.early(
        'time_limit_exceeded',
        `The solution did not finish loading within ${job.timeoutMs} ms`,
      );
    }
    if (answer.t === 'signal')
      return builder.early('runtime_error', 'InternalError: stack overflow while loading');
    if (answer.t === 'syntax') return builder.early('compile_error', formatError(answer.error));
    const thrown = answer.t === 'thrown' ? answer.error : unreadable(answer);
    return builder.early('runtime_error', `Error while loading the solution: ${formatError(thrown)}`);
  }

  /** Console output is kept in run mode only, and only for visible tests and loading. */
  private collectLogs(kind: TestKind = 'visible'): void {
    if (!this.job.collectLogs || kind !== 'visible') return;
    const room = LOG_PER_RUN - this.builder.logs.length;
    if (room <= 0) return;
    const answer = this.user.call('logs');
    if (answer.t === 'logs' && typeof answer.text === 'string')
      this.builder.logs += answer.text.slice(0, room);
  }

  private timed<T>(fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.builder.durationMs += performance.now() - start;
    }
  }
}

/** A reply that makes no sense where it came: the solution broke something the harness relies on. */
function unreadable(_reply: Reply): ThrownError {
  return { name: 'Error', message: 'The result could not be read' };
}

function plainError(e: ThrownError): { name: string; message: string } {
  return { name: String(e.name).slice(0, 100), message: String(e.message).slice(0, 500) };
}

function formatError(e: ThrownError | undefined): string {
  if (!e) return 'Error';
  const { name, message } = plainError(e);
  const line = typeof e.line === 'number' ? ` (line ${e.line})` : '';
  return `${name}: ${message}${line}`;
}

const SIGNAL_TEXT: Record<Signal, string> = {
  time: 'timed out',
  memory: 'out of memory',
  stack: 'stack overflow',
};

/** A reply as text, for problems and CheckFailed messages. */
export function replyText(reply: Reply): string {
  switch (reply.t) {
    case 'signal':
      return SIGNAL_TEXT[reply.signal];
    case 'thrown':
    case 'syntax':
      return formatError(reply.error);
    case 'invalid':
      return reply.message;
    case 'value':
      return reply.json.slice(0, 500);
    default:
      return reply.t;
  }
}

const NO_INTL =
  "QuickJS, the judge's JavaScript engine, has no Intl (Intl.NumberFormat, Intl.DateTimeFormat, ...): format by hand";

/**
 * A run that failed is told what it used that this engine cannot do as Node does, so it does not
 * fail obscurely: the notes the sandbox took, and Intl, which QuickJS lacks.
 */
function withNotes(judged: JudgedRun, notes: string[]): JudgedRun {
  const { verdict } = judged;
  if (verdict.status === 'accepted') return judged;
  const said = [verdict.message, verdict.firstFailure?.error?.message].join(' ');
  const all = /\bIntl\b.*not defined/.test(said) ? [...notes, NO_INTL] : notes;
  if (all.length === 0) return judged;
  const message = [verdict.message, ...all].filter(Boolean).join('; ');
  return { ...judged, verdict: { ...verdict, message } };
}

/** A throw matches when every part the test names matches: the name, the exact message or its pattern. */
function throwsAsExpected(thrown: { name: string; message: string }, expected: ExpectedError): boolean {
  if (expected.name !== undefined && thrown.name !== expected.name) return false;
  if (expected.message !== undefined && thrown.message !== expected.message) return false;
  if (expected.messagePattern !== undefined && !new RegExp(expected.messagePattern).test(thrown.message)) {
    return false;
  }
  return true;
}
