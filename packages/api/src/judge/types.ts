import type { Generator, Language, TestCase, Verdict } from '@skillbytes/shared';

/** What the judge needs to know about a challenge. */
export type JudgeSpec = {
  functionName: string;
  /** This challenge's own per-test limit (derived from its reference solution at authoring). */
  testTimeoutMs?: number | null;
  tests: TestCase[];
  hiddenTests: TestCase[];
  generator: Generator | null;
};

/** A challenge as authoring checks it: with its reference solution, in its language (default javascript). */
export type CheckSpec = JudgeSpec & { solution: string | null; language?: Language };

/** `run`: visible tests only, console output returned. `submit`: visible, hidden and generated tests. */
export type JudgeMode = 'run' | 'submit';

export type JudgeOptions = {
  /** Seed for generated cases; drawn at random when absent and returned in the result. */
  seed?: number;
  /**
   * Who asked (a user id): at most one run in flight per owner (a second gets JUDGE_BUSY), and owners
   * whose recent runs hit a time or memory limit wait behind owners whose runs finish.
   */
  owner?: string;
  /** The solution's language (default javascript): TypeScript has its types stripped, never checked. */
  language?: Language;
};

/** `durationMs` is for the record: a submit's verdict carries no timing (user code could steer it). */
export type JudgeResult = { verdict: Verdict; seed: number | null; durationMs: number };

/**
 * A check that passed says what per-test limit the challenge gets: `REFERENCE_FACTOR` times its
 * reference solution's slowest test, at least the judge's default, at most the submission budget.
 */
export type ChallengeCheck =
  | { ok: true; testTimeLimitMs: number; referenceSlowestTestMs: number | null }
  | { ok: false; problems: string[] };

/** The judge: `judge(spec, code, mode) → Verdict`. Nothing outside judge/ knows about QuickJS or workers. */
/** What an operator watches (GET /metrics): the pool's load now, and every run's outcome as it ends. */
export type JudgeStats = { queued: number; busy: number; workers: number; workerRestarts: number };
export type RunObserver = (run: { mode: JudgeMode; status: Verdict['status']; durationMs: number }) => void;

export interface Judge {
  readonly version: string;
  judge(spec: JudgeSpec, code: string, mode: JudgeMode, options?: JudgeOptions): Promise<JudgeResult>;
  /**
   * A challenge's own data must pass: every test satisfies the generator's checker and the reference
   * solution, and a solution that only memorises the visible answers is refused.
   */
  checkChallenge(spec: CheckSpec): Promise<ChallengeCheck>;
  close(): Promise<void>;
  /** The pool's load now (judges that run no pool, such as test doubles, have none). */
  stats?(): JudgeStats;
  /** Calls `observer` as each judged run ends; returns the unsubscribe function. */
  observe?(observer: RunObserver): () => void;
}
