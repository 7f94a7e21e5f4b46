import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import { createJudge, type JudgeSpec } from './index.ts';

const spec: JudgeSpec = {
  functionName: 'solve',
  tests: [{ input: [], expectedOutput: 1 }],
  hiddenTests: [],
  generator: null,
};

/** Busy for about `ms` inside the sandbox, then correct. */
const busy = (ms: number) =>
  `function solve() { const end = Date.now() + ${ms}; while (Date.now() < end) {} return 1; }`;
const quick = 'const solve = () => 1;';

async function appCodeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof DomainError ? error.appCode : undefined;
}

describe('admission', () => {
  const judge = createJudge({ ...defaultApiConfig().judge, workers: 1, queueMax: 1 });
  afterAll(() => judge.close());

  it('allows one run in flight per owner', async () => {
    const first = judge.judge(spec, busy(300), 'run', { owner: 'user-1' });
    expect(await appCodeOf(judge.judge(spec, quick, 'run', { owner: 'user-1' }))).toBe('JUDGE_BUSY');
    const other = judge.judge(spec, quick, 'run', { owner: 'user-2' });
    expect((await first).verdict.status).toBe('accepted');
    expect((await other).verdict.status).toBe('accepted');
    expect((await judge.judge(spec, quick, 'run', { owner: 'user-1' })).verdict.status).toBe('accepted');
  });

  it('refuses work beyond the workers and the bounded queue', async () => {
    const running = judge.judge(spec, busy(300), 'run');
    const queued = judge.judge(spec, quick, 'run');
    expect(await appCodeOf(judge.judge(spec, quick, 'run'))).toBe('JUDGE_BUSY');
    expect((await running).verdict.status).toBe('accepted');
    expect((await queued).verdict.status).toBe('accepted');
  });

  it('does not charge a queued run for its wait', async () => {
    // Each run needs 2.5 s of a 4 s budget: the second would be 1 s over if its wait counted.
    const tight = createJudge({
      ...defaultApiConfig().judge,
      timeoutMs: 4000,
      testTimeoutMs: 4000,
      workers: 1,
    });
    try {
      const runs = await Promise.all([
        tight.judge(spec, busy(2500), 'run'),
        tight.judge(spec, busy(2500), 'run'),
      ]);
      expect(runs.map((r) => r.verdict.status)).toEqual(['accepted', 'accepted']);
    } finally {
      await tight.close();
    }
  });
});

describe('responsiveness', () => {
  const judge = createJudge({
    ...defaultApiConfig().judge,
    timeoutMs: 10_000,
    testTimeoutMs: 10_000,
    workers: 2,
    queueMax: 16,
  });
  afterAll(() => judge.close());

  it('keeps the event loop responsive while every worker is busy and runs are queued', async () => {
    await Promise.all([judge.judge(spec, quick, 'run'), judge.judge(spec, quick, 'run')]);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const runs = await Promise.all(Array.from({ length: 4 }, () => judge.judge(spec, busy(1500), 'run')));
    delay.disable();
    expect(runs.every((r) => r.verdict.status === 'accepted')).toBe(true);
    // Any 1.5 s run on the main thread would show here as a 1.5 s delay.
    expect(delay.max / 1e6).toBeLessThan(1000);
  });
});

describe('fairness', () => {
  const spin = 'function solve() { for (;;) {} }';

  /** An owner whose last run hit the time limit. */
  async function penalise(judge: ReturnType<typeof createJudge>, owner: string) {
    expect((await judge.judge(spec, spin, 'run', { owner })).verdict.status).toBe('time_limit_exceeded');
  }

  it('serves an owner whose runs finish before one whose runs hit limits, whoever came first', async () => {
    const judge = createJudge({
      ...defaultApiConfig().judge,
      timeoutMs: 5000,
      testTimeoutMs: 300,
      workers: 1,
    });
    try {
      await penalise(judge, 'spinner');
      const order: string[] = [];
      const blocker = judge.judge(spec, busy(500), 'run');
      const spinner = judge.judge(spec, quick, 'run', { owner: 'spinner' }).then(() => order.push('spinner'));
      const fair = judge.judge(spec, quick, 'run', { owner: 'fair' }).then(() => order.push('fair'));
      await Promise.all([blocker, spinner, fair]);
      expect(order).toEqual(['fair', 'spinner']);
    } finally {
      await judge.close();
    }
  });

  it('never lets owners whose runs hit limits hold the last free worker', async () => {
    const judge = createJudge({
      ...defaultApiConfig().judge,
      timeoutMs: 20_000,
      testTimeoutMs: 2000,
      workers: 2,
    });
    try {
      await Promise.all([penalise(judge, 'a'), penalise(judge, 'b')]);
      const order: string[] = [];
      const spins = ['a', 'b'].map((owner) =>
        judge.judge(spec, spin, 'run', { owner }).then(() => order.push(owner)),
      );
      const fair = judge.judge(spec, quick, 'run', { owner: 'fair' }).then(() => order.push('fair'));
      await Promise.all([...spins, fair]);
      // One of "a" and "b" holds one worker and the other waits for it: the second worker stays free for
      // the fair run, which ends first. (Which of the two spins first is not the point: on a loaded
      // machine the worker "a" was sent to may still be starting when "b" is taken.)
      expect(order[0]).toBe('fair');
      expect([...order].sort()).toEqual(['a', 'b', 'fair']);
    } finally {
      await judge.close();
    }
  });
});

describe('shutdown', () => {
  it('refuses work after close and fails runs that were still waiting', async () => {
    const judge = createJudge({ ...defaultApiConfig().judge, workers: 1 });
    const waiting = appCodeOf(judge.judge(spec, busy(200), 'run'));
    await judge.close();
    expect(await waiting).toBe('JUDGE_UNAVAILABLE');
    expect(await appCodeOf(judge.judge(spec, quick, 'run'))).toBe('JUDGE_UNAVAILABLE');
    expect(await appCodeOf(judge.checkChallenge({ ...spec, solution: null }))).toBe('JUDGE_UNAVAILABLE');
  });

  it('answers JUDGE_UNAVAILABLE, not a verdict, when a worker cannot start', async () => {
    // More memory than a 32-bit WebAssembly module can address: module creation fails in the worker.
    const judge = createJudge({ ...defaultApiConfig().judge, memoryMb: 40_000 });
    try {
      expect(await appCodeOf(judge.judge(spec, quick, 'run'))).toBe('JUDGE_UNAVAILABLE');
    } finally {
      await judge.close();
    }
  });

  it('reports its version', () => {
    expect(createJudge(defaultApiConfig().judge).version).toBe('quickjs-0.31.0/2');
  });
});
