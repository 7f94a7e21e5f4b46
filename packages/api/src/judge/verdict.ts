import type { TestKind, Verdict } from '@skillbytes/shared';

type Failure = NonNullable<Verdict['firstFailure']>;
export type FailureStatus =
  | 'wrong_answer'
  | 'runtime_error'
  | 'time_limit_exceeded'
  | 'memory_limit_exceeded';
export type FirstFailure = { status: FailureStatus; failure: Failure };
/** A test by kind and its 0-based index within that kind. */
export type TestRef = { kind: TestKind; index: number };
/** Values are JSON by the time they get here (see toShown); typed loosely because decoding yields unknown. */
export type FailureDetail = {
  input?: unknown;
  expected?: unknown;
  actual?: unknown;
  error?: Failure['error'];
  /** Class tests: the 0-based step that failed. */
  step?: number;
};
/** Which time limit ended a test: its own, or the submission's. */
export type TimeScope = 'test' | 'submission';

export type VerdictPlan = {
  /** Visible tests in this run. */
  visible: number;
  /** Submit mode: hidden and generated tests run after the visible ones and are reported as one. */
  judgesHidden: boolean;
  /** Authoring checks see every kind in full; users see values for visible tests only. */
  reveal: boolean;
  seed: number | null;
  timeMs: number;
  testTimeMs: number;
  memoryMb: number;
};

/**
 * What a run measured besides its verdict: the time is recorded, never shown on submits; the slowest
 * test's time is how authoring derives a challenge's per-test limit from its reference solution.
 */
export type JudgedRun = { verdict: Verdict; durationMs: number; slowestTestMs?: number };

/**
 * Builds one verdict as tests run. Precedence: the first failing test in order decides the status.
 * Visible tests all run unless a time or memory limit stops the run, so `passed` stays meaningful;
 * hidden and generated tests run only when every visible one passed, and stop at their first failure.
 */
export class VerdictBuilder {
  passed = 0;
  first: FirstFailure | null = null;
  durationMs = 0;
  slowestTestMs = 0;
  logs = '';
  private hiddenOutcome: 'passed' | 'failed' | 'not_run' = 'not_run';

  private readonly plan: VerdictPlan;

  constructor(plan: VerdictPlan) {
    this.plan = plan;
  }

  pass(ref: TestRef): void {
    if (ref.kind === 'visible') this.passed++;
  }

  /** Hidden tests are about to run: they count as passed until one fails. */
  startHidden(): void {
    this.hiddenOutcome = 'passed';
  }

  /** Records a failure; returns it when it is the run's first (the one the verdict will show). */
  fail(
    status: FailureStatus,
    ref: TestRef,
    detail: FailureDetail = {},
    scope: TimeScope = 'test',
  ): FirstFailure | null {
    if (ref.kind !== 'visible') this.hiddenOutcome = 'failed';
    if (this.first) return null;
    this.first = { status, failure: failureOf(this.plan, status, ref, detail, scope) };
    return this.first;
  }

  finish(): JudgedRun {
    return this.judged({
      status: this.first?.status ?? 'accepted',
      ...this.counts(),
      ...(this.first ? { firstFailure: this.first.failure } : {}),
    });
  }

  /** The run ended before any test: compile_error, missing_function, or a failure while loading. */
  early(status: Verdict['status'], message: string): JudgedRun {
    return this.judged({ status, ...this.counts(), passed: 0, message });
  }

  private counts() {
    return {
      passed: this.passed,
      total: this.plan.visible,
      ...(this.plan.judgesHidden ? { hidden: this.hiddenOutcome } : {}),
    };
  }

  private judged(verdict: Verdict): JudgedRun {
    const durationMs = Math.round(this.durationMs);
    return {
      verdict: {
        ...verdict,
        ...(this.plan.judgesHidden ? {} : { durationMs }),
        ...(this.logs ? { logs: this.logs } : {}),
      },
      durationMs,
      slowestTestMs: Math.round(this.slowestTestMs),
    };
  }
}

function failureOf(
  plan: VerdictPlan,
  status: FailureStatus,
  ref: TestRef,
  detail: FailureDetail,
  scope: TimeScope,
): Failure {
  const shown = ref.kind === 'visible' || plan.reveal;
  const failure: Failure = shown ? { kind: ref.kind, index: ref.index } : { kind: 'hidden' };
  if (shown) Object.assign(failure, withoutUndefined(detail));
  // Which limit a hidden test hit is one more outcome code could choose: the status says enough there.
  if (!shown) return failure;
  if (status === 'time_limit_exceeded') {
    failure.limit = { timeMs: scope === 'test' ? plan.testTimeMs : plan.timeMs, scope };
  }
  if (status === 'memory_limit_exceeded') failure.limit = { memoryMb: plan.memoryMb };
  if (plan.reveal && ref.kind === 'generated' && plan.seed !== null) failure.seed = plan.seed;
  return failure;
}

function withoutUndefined(detail: FailureDetail): Partial<Failure> {
  return Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined));
}

/** Where the n-th test of a run (0-based, visible then hidden then generated) sits. */
function refAt(position: number, counts: { visible: number; hidden: number }): TestRef {
  if (position < counts.visible) return { kind: 'visible', index: position };
  if (position < counts.visible + counts.hidden) return { kind: 'hidden', index: position - counts.visible };
  return { kind: 'generated', index: position - counts.visible - counts.hidden };
}

/**
 * The verdict when the host watchdog had to kill the worker: the code is stuck somewhere the
 * interrupt handler is never polled. An earlier failure still decides the status.
 */
export function watchdogVerdict(
  plan: VerdictPlan,
  progress: { passed: number; position: number; first: FirstFailure | null },
  counts: { visible: number; hidden: number },
  elapsedMs: number,
  scope: TimeScope,
  visibleInputs: unknown[],
): JudgedRun {
  const durationMs = Math.round(elapsedMs);
  const builder = new VerdictBuilder(plan);
  builder.passed = progress.passed;
  builder.durationMs = elapsedMs;
  if (progress.position >= counts.visible && !progress.first) builder.startHidden();
  if (progress.first) {
    builder.first = progress.first;
    if (progress.first.failure.kind !== 'visible')
      builder.fail(progress.first.status, { kind: 'hidden', index: 0 });
    return { ...builder.finish(), durationMs };
  }
  if (progress.position < 0) {
    return {
      ...builder.early('time_limit_exceeded', `The solution did not finish loading within ${plan.timeMs} ms`),
      durationMs,
    };
  }
  const ref = refAt(progress.position, counts);
  const detail = ref.kind === 'visible' ? { input: visibleInputs[ref.index] } : {};
  builder.fail('time_limit_exceeded', ref, detail, scope);
  return { ...builder.finish(), durationMs };
}
