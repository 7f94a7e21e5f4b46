import type { TestKind, Verdict } from '@skillbytes/shared';

export type Failure = NonNullable<Verdict['firstFailure']>;
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
};

export type VerdictPlan = {
  total: number;
  /** checkChallenge shows values for every kind; users see them for visible tests only. */
  reveal: boolean;
  seed: number | null;
  timeMs: number;
  memoryMb: number;
};

/**
 * Builds one verdict as tests run. Precedence: the first failing test in order decides the status;
 * time and memory limits stop the run, other failures let it continue so passed/total stay meaningful.
 * Hidden and generated failures carry no values or messages: user-controlled text is how answers leak.
 */
export class VerdictBuilder {
  passed = 0;
  first: FirstFailure | null = null;
  durationMs = 0;
  logs = '';

  constructor(private readonly plan: VerdictPlan) {}

  pass(): void {
    this.passed++;
  }

  /** Records a failure; returns it when it is the run's first (the one the verdict will show). */
  fail(status: FailureStatus, ref: TestRef, detail: FailureDetail = {}): FirstFailure | null {
    if (this.first) return null;
    this.first = { status, failure: failureOf(this.plan, status, ref, detail) };
    return this.first;
  }

  finish(): Verdict {
    return {
      status: this.first?.status ?? 'accepted',
      passed: this.passed,
      total: this.plan.total,
      durationMs: Math.round(this.durationMs),
      ...(this.first ? { firstFailure: this.first.failure } : {}),
      ...(this.logs ? { logs: this.logs } : {}),
    };
  }

  /** The run ended before any test: compile_error, missing_function, or a failure while loading. */
  early(status: Verdict['status'], message: string): Verdict {
    return {
      status,
      passed: 0,
      total: this.plan.total,
      durationMs: Math.round(this.durationMs),
      message,
      ...(this.logs ? { logs: this.logs } : {}),
    };
  }
}

export function failureOf(
  plan: VerdictPlan,
  status: FailureStatus,
  ref: TestRef,
  detail: FailureDetail,
): Failure {
  const failure: Failure = { index: ref.index, kind: ref.kind };
  if (ref.kind === 'visible' || plan.reveal) Object.assign(failure, withoutUndefined(detail));
  if (status === 'time_limit_exceeded') failure.limit = { timeMs: plan.timeMs };
  if (status === 'memory_limit_exceeded') failure.limit = { memoryMb: plan.memoryMb };
  if (ref.kind === 'generated' && plan.seed !== null) failure.seed = plan.seed;
  return failure;
}

function withoutUndefined(detail: FailureDetail): Partial<Failure> {
  return Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined));
}

/** Where the n-th test of a run (0-based, visible then hidden then generated) sits. */
export function refAt(position: number, counts: { visible: number; hidden: number }): TestRef {
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
  visibleInputs: unknown[],
): Verdict {
  const base = { passed: progress.passed, total: plan.total, durationMs: Math.round(elapsedMs) };
  if (progress.first) return { status: progress.first.status, ...base, firstFailure: progress.first.failure };
  if (progress.position < 0) {
    return {
      status: 'time_limit_exceeded',
      ...base,
      message: `The solution did not finish loading within ${plan.timeMs} ms`,
    };
  }
  const ref = refAt(progress.position, counts);
  return {
    status: 'time_limit_exceeded',
    ...base,
    firstFailure: failureOf(
      plan,
      'time_limit_exceeded',
      ref,
      ref.kind === 'visible' ? { input: visibleInputs[ref.index] } : {},
    ),
  };
}
