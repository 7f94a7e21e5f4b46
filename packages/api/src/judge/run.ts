import type { Generator, TestCase, TestKind, Verdict } from '@skillbytes/shared';
import type { QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { decode, deepEqual, encodeJson, toShown } from './codec.ts';
import { type Answer, LOG_PER_RUN, Sandbox, type ThrownError } from './harness.ts';
import { type FailureDetail, type FirstFailure, type TestRef, VerdictBuilder } from './verdict.ts';

/** One judge run as the worker receives it. Run mode sends no hidden tests and no generator. */
export type RunJob = {
  code: string;
  functionName: string;
  tests: TestCase[];
  hiddenTests: TestCase[];
  generator: Generator | null;
  seed: number | null;
  collectLogs: boolean;
  reveal: boolean;
  timeoutMs: number;
  memoryMb: number;
};

export type CheckJob = Omit<RunJob, 'code' | 'seed' | 'collectLogs' | 'reveal'> & { solution: string | null };

/** What the worker reports while a run is going, so the host watchdog can still give a fair verdict. */
export type RunEvents = {
  progress(passed: number, position: number): void;
  failure(first: FirstFailure): void;
};

/** The challenge's own generator broke: not the submitter's fault, and not a verdict. */
export class GeneratorFault extends Error {}

export type RunResult = { verdict: Verdict; poisoned: boolean };

/** checkChallenge's generated cases always use this seed, so a check is repeatable. */
export const CHECK_SEED = 1;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const PENDING = '{"pending":true}';

/** Each generated case gets its own PRNG seed derived from the run's seed and the case index. */
export function caseSeed(seed: number, index: number): number {
  return (seed + Math.imul(index + 1, 0x9e3779b9)) | 0;
}

export function judgeRun(mod: QuickJSWASMModule, job: RunJob, events: RunEvents): RunResult {
  const total = job.tests.length + job.hiddenTests.length + (job.generator?.cases ?? 0);
  const builder = new VerdictBuilder({
    total,
    reveal: job.reveal,
    seed: job.generator ? job.seed : null,
    timeMs: job.timeoutMs,
    memoryMb: job.memoryMb,
  });
  const deadline = performance.now() + job.timeoutMs;
  const user = Sandbox.user(mod, job.memoryMb, deadline);
  const opened: { checker: Sandbox | null } = { checker: null };
  const checker = () => {
    opened.checker ??= Sandbox.checker(mod, job.memoryMb, deadline);
    return opened.checker;
  };
  const release = () => {
    const wasPoisoned = user.poisoned || (opened.checker?.poisoned ?? false);
    const released = user.dispose() && (opened.checker?.dispose() ?? true);
    return wasPoisoned || !released;
  };
  const run = new Run(job, builder, user, events, checker);
  let verdict: Verdict;
  try {
    verdict = run.judge();
  } catch (error) {
    release();
    throw error;
  }
  // After an out-of-memory the module itself is suspect (quickjs-emscripten#30): replace it too.
  return { verdict, poisoned: release() || run.memoryExhausted };
}

class Run {
  private position = 0;
  memoryExhausted = false;

  constructor(
    private readonly job: RunJob,
    private readonly builder: VerdictBuilder,
    private readonly user: Sandbox,
    private readonly events: RunEvents,
    private readonly checker: () => Sandbox,
  ) {}

  judge(): Verdict {
    const { job, builder, user } = this;
    this.events.progress(0, -1);
    const loaded = this.timed(() => {
      const result = user.evaluate(job.code, 'solution.js');
      return 'failure' in result ? result.failure : user.drain();
    });
    this.collectLogs();
    if (loaded) return this.loadFailure(loaded);

    const missing = `Define a function named ${job.functionName}`;
    if (!IDENTIFIER.test(job.functionName)) return builder.early('missing_function', missing);
    const resolved = this.timed(() => user.evaluate(job.functionName, 'resolve.js'));
    if ('failure' in resolved) {
      const failure = resolved.failure;
      if ('signal' in failure && failure.signal !== 'stack') return this.loadFailure(failure);
      return builder.early('missing_function', missing);
    }
    if (!user.isFunction(resolved.value)) {
      return builder.early('missing_function', `${missing}; ${job.functionName} is not a function`);
    }
    const fn = resolved.value;

    const fixed: [TestKind, TestCase[]][] = [
      ['visible', job.tests],
      ['hidden', job.hiddenTests],
    ];
    for (const [kind, tests] of fixed) {
      for (const [index, test] of tests.entries()) {
        const stop = this.runCase(
          { kind, index },
          fn,
          encodeJson(test.input),
          () => test.input,
          (text) => {
            const actual = decode(text);
            if (deepEqual(actual, test.expectedOutput)) return null;
            return { input: test.input, expected: test.expectedOutput, actual: toShown(actual) };
          },
        );
        if (stop) return builder.finish();
      }
    }
    if (job.generator) this.runGenerated(job.generator, fn);
    return builder.finish();
  }

  private runGenerated(generator: Generator, fn: QuickJSHandle): void {
    const checker = this.checker();
    const compiled = checker.call('compile', generator.outFn);
    if (!('text' in compiled) || compiled.text !== 'ok') {
      if ('signal' in compiled && (compiled.signal === 'time' || checker.poisoned)) {
        this.stop({ kind: 'generated', index: 0 }, compiled.signal === 'time' ? 'time' : 'memory');
        return;
      }
      throw new GeneratorFault(`outFn does not compile: ${answerText(compiled)}`);
    }
    const seed = this.job.seed ?? 0;
    for (let index = 0; index < generator.cases; index++) {
      const ref: TestRef = { kind: 'generated', index };
      const generated = checker.call('generate', caseSeed(seed, index), generator.inFn);
      if (!('text' in generated) || generated.text.startsWith('{"thrown"')) {
        if ('signal' in generated && (generated.signal === 'time' || checker.poisoned)) {
          this.stop(ref, generated.signal === 'time' ? 'time' : 'memory');
          return;
        }
        throw new GeneratorFault(`inFn failed for case ${index + 1}: ${answerText(generated)}`);
      }
      const argsJson = generated.text;
      const input = () => toShown(decode(argsJson));
      const stop = this.runCase(ref, fn, argsJson, input, (text) => {
        const verdict = checker.call('check', argsJson, text);
        if (checker.poisoned) return 'poisoned';
        if ('signal' in verdict && verdict.signal === 'time') return 'time';
        if ('text' in verdict && verdict.text === 'pass') return null;
        const why =
          'text' in verdict && verdict.text === 'fail'
            ? 'outFn returned false'
            : `outFn: ${answerText(verdict)}`;
        return {
          input: input(),
          actual: toShown(decode(text)),
          error: { name: 'CheckFailed', message: why },
        };
      });
      if (stop) return;
    }
  }

  /** Runs one test; true when the run must stop (time or memory limit). */
  private runCase(
    ref: TestRef,
    fn: QuickJSHandle,
    argsJson: string,
    input: () => unknown,
    check: (resultText: string) => FailureDetail | null | 'time' | 'poisoned',
  ): boolean {
    const { builder, user } = this;
    this.events.progress(builder.passed, this.position++);
    const answer = this.timed(() => {
      const first = user.call('call', fn, argsJson);
      const drained = user.drain();
      if (drained) return drained;
      if (!('text' in first) || first.text !== PENDING) return first;
      const settled = user.call('outcome');
      if ('text' in settled && settled.text === PENDING) {
        return { error: { name: 'Error', message: 'The function returned a promise that never settled' } };
      }
      return settled;
    });
    this.collectLogs(ref.kind);
    // An interrupt inside an async function surfaces as an ordinary rejection: the clock decides.
    if (user.expired) return this.stop(ref, 'time', input);
    if ('signal' in answer) {
      if (answer.signal !== 'stack') return this.stop(ref, answer.signal, input);
      this.record('runtime_error', ref, {
        input: input(),
        error: { name: 'InternalError', message: 'stack overflow' },
      });
      return user.poisoned;
    }
    if ('error' in answer) {
      this.record('runtime_error', ref, { input: input(), error: plainError(answer.error) });
      return false;
    }
    const read = readHarness(answer.text);
    if ('ok' in read) {
      let outcome: ReturnType<typeof check>;
      try {
        outcome = check(read.ok);
      } catch {
        const error = { name: 'Error', message: 'The return value could not be read' };
        this.record('runtime_error', ref, { input: input(), error });
        return false;
      }
      if (outcome === 'time') return this.stop(ref, 'time', input);
      if (outcome === 'poisoned') return this.stop(ref, 'memory', input);
      if (outcome === null) builder.pass();
      else this.record('wrong_answer', ref, outcome);
      return false;
    }
    if ('oom' in read) return this.stop(ref, 'memory', input);
    this.record('runtime_error', ref, { input: input(), error: plainError(read.thrown) });
    return false;
  }

  private stop(ref: TestRef, signal: 'time' | 'memory', input?: () => unknown): true {
    const status = signal === 'time' ? 'time_limit_exceeded' : 'memory_limit_exceeded';
    if (signal === 'memory') this.memoryExhausted = true;
    this.record(status, ref, { input: input?.() });
    return true;
  }

  private record(status: FirstFailure['status'], ref: TestRef, detail: FailureDetail): void {
    const first = this.builder.fail(status, ref, detail);
    if (first) this.events.failure(first);
  }

  private loadFailure(answer: Answer): Verdict {
    const { builder, job } = this;
    const read = 'text' in answer ? readHarness(answer.text) : null;
    if (('signal' in answer && answer.signal === 'memory') || (read && 'oom' in read)) {
      this.memoryExhausted = true;
      return builder.early('memory_limit_exceeded', 'The solution ran out of memory while loading');
    }
    if ('signal' in answer && answer.signal === 'time') {
      return builder.early(
        'time_limit_exceeded',
        `The solution did not finish loading within ${job.timeoutMs} ms`,
      );
    }
    if ('signal' in answer)
      return builder.early('runtime_error', 'InternalError: stack overflow while loading');
    if ('error' in answer) return builder.early('runtime_error', formatError(answer.error));
    if (read && 'thrown' in read && read.isSyntax)
      return builder.early('compile_error', formatError(read.thrown));
    const thrown = read && 'thrown' in read ? read.thrown : undefined;
    return builder.early('runtime_error', `Error while loading the solution: ${formatError(thrown)}`);
  }

  /** Console output is kept in run mode only, and only for visible tests and loading. */
  private collectLogs(kind: TestKind = 'visible'): void {
    if (!this.job.collectLogs || kind !== 'visible') return;
    const room = LOG_PER_RUN - this.builder.logs.length;
    if (room <= 0) return;
    const answer = this.user.call('logs');
    if ('text' in answer) this.builder.logs += answer.text.slice(0, room);
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

function plainError(e: ThrownError): { name: string; message: string } {
  return { name: String(e.name).slice(0, 100), message: String(e.message).slice(0, 500) };
}

function formatError(e: ThrownError | undefined): string {
  if (!e) return 'Error';
  const { name, message } = plainError(e);
  const line = typeof e.line === 'number' ? ` (line ${e.line})` : '';
  return `${name}: ${message}${line}`;
}

function answerText(answer: Answer): string {
  if ('signal' in answer) return SIGNAL_TEXT[answer.signal];
  if ('error' in answer) return formatError(answer.error);
  const read = readHarness(answer.text);
  return 'thrown' in read ? formatError(read.thrown) : answer.text.slice(0, 500);
}

/**
 * The harness's answer, read defensively: a solution can break JSON inside its own runtime (say with
 * `Array.prototype.toJSON`), which must cost it its verdict and nothing else.
 */
function readHarness(
  text: string,
): { ok: string } | { oom: true } | { thrown: ThrownError; isSyntax: boolean } {
  if (text.startsWith('{"ok":') && text.endsWith('}')) return { ok: text.slice(6, -1) };
  try {
    const parsed = JSON.parse(text) as { oom?: unknown; thrown?: ThrownError; syntax?: ThrownError };
    if (parsed.oom === true) return { oom: true };
    const thrown = parsed.syntax ?? parsed.thrown;
    if (thrown && typeof thrown === 'object') return { thrown, isSyntax: parsed.syntax !== undefined };
  } catch {}
  return { thrown: { name: 'Error', message: 'The result could not be read' }, isSyntax: false };
}

const SIGNAL_TEXT = { time: 'timed out', memory: 'out of memory', stack: 'stack overflow' } as const;

/**
 * The challenge's own data must hold together: every fixed test satisfies the checker, the generator
 * produces inputs, and the reference solution is accepted on everything. Problems name the test.
 */
export function checkChallengeRun(
  mod: QuickJSWASMModule,
  job: CheckJob,
): { problems: string[]; poisoned: boolean } {
  const problems: string[] = [];
  let poisoned = false;
  if (job.generator) {
    const generator = job.generator;
    const checker = Sandbox.checker(mod, job.memoryMb, performance.now() + job.timeoutMs);
    try {
      const compiled = checker.call('compile', generator.outFn);
      if ('text' in compiled && compiled.text === 'ok') {
        const fixed: [TestKind, TestCase[]][] = [
          ['visible', job.tests],
          ['hidden', job.hiddenTests],
        ];
        for (const [kind, tests] of fixed) {
          for (const [index, test] of tests.entries()) {
            const r = checker.call('check', encodeJson(test.input), encodeJson(test.expectedOutput));
            if ('text' in r && r.text === 'pass') continue;
            const why = 'text' in r && r.text === 'fail' ? 'it returned false' : answerText(r);
            problems.push(
              `${kind} test ${index + 1}: the expected output fails the generator's outFn (${why})`,
            );
          }
        }
      } else {
        problems.push(`The generator's outFn does not compile: ${answerText(compiled)}`);
      }
      for (let index = 0; index < generator.cases; index++) {
        const r = checker.call('generate', caseSeed(CHECK_SEED, index), generator.inFn);
        if ('text' in r && !r.text.startsWith('{"thrown"')) continue;
        problems.push(`generated case ${index + 1} (seed ${CHECK_SEED}): inFn failed: ${answerText(r)}`);
        break;
      }
    } finally {
      poisoned = checker.poisoned;
      if (!checker.dispose()) poisoned = true;
    }
  }
  if (job.solution !== null && problems.length === 0) {
    const events: RunEvents = { progress() {}, failure() {} };
    const result = judgeRun(
      mod,
      { ...job, code: job.solution, seed: CHECK_SEED, collectLogs: false, reveal: true },
      events,
    );
    poisoned ||= result.poisoned;
    if (result.verdict.status !== 'accepted') problems.push(solutionProblem(result.verdict));
  }
  return { problems, poisoned };
}

function solutionProblem(verdict: Verdict): string {
  const status = verdict.status.replaceAll('_', ' ');
  const f = verdict.firstFailure;
  if (!f) return `The reference solution fails: ${status}${verdict.message ? ` (${verdict.message})` : ''}`;
  const where =
    f.kind === 'generated'
      ? `generated case ${f.index + 1} (seed ${CHECK_SEED})`
      : `${f.kind} test ${f.index + 1}`;
  const parts = [
    f.input !== undefined ? `input ${JSON.stringify(f.input)}` : '',
    f.expected !== undefined ? `expected ${JSON.stringify(f.expected)}` : '',
    f.actual !== undefined ? `got ${JSON.stringify(f.actual)}` : '',
    f.error ? `${f.error.name}: ${f.error.message}` : '',
  ].filter(Boolean);
  return `The reference solution fails ${where}: ${status}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}
