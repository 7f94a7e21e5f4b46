import type { Generator, TestCase, Verdict } from '@skillbytes/shared';

/** What the judge needs to know about a challenge. */
export type JudgeSpec = {
  functionName: string;
  tests: TestCase[];
  hiddenTests: TestCase[];
  generator: Generator | null;
};

/** `run`: visible tests only, console output returned. `submit`: visible, hidden and generated tests. */
export type JudgeMode = 'run' | 'submit';

export type JudgeOptions = {
  /** Seed for generated cases; drawn at random when absent and returned in the result. */
  seed?: number;
  /** At most one judge run in flight per owner (a user id); a second gets JUDGE_BUSY. */
  owner?: string;
};

export type JudgeResult = { verdict: Verdict; seed: number | null };

export type ChallengeCheck = { ok: true } | { ok: false; problems: string[] };

/** The judge: `judge(spec, code, mode) → Verdict`. Nothing outside judge/ knows about QuickJS or workers. */
export interface Judge {
  readonly version: string;
  judge(spec: JudgeSpec, code: string, mode: JudgeMode, options?: JudgeOptions): Promise<JudgeResult>;
  /** A challenge's own data must pass: every test satisfies the generator's checker and the reference solution. */
  checkChallenge(spec: JudgeSpec & { solution: string | null }): Promise<ChallengeCheck>;
  close(): Promise<void>;
}
