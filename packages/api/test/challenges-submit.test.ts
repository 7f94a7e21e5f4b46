import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import type { VerdictStatus } from '@skillbytes/shared';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSubmission } from '../src/challenges/submit.ts';
import { DEFAULT_RATE_LIMITS, defaultApiConfig } from '../src/config.ts';
import { DomainError } from '../src/errors.ts';
import { createJudge } from '../src/judge/index.ts';
import type { Judge } from '../src/judge/types.ts';
import { expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';

// A short per-test limit keeps the time-limit cases quick; the memory bombs double a string, so they
// reach the memory limit in milliseconds whatever the load, and the submission budget is roomy.
const judgeConfig = {
  ...defaultApiConfig().judge,
  timeoutMs: 10_000,
  testTimeoutMs: 1500,
  codeMaxBytes: 16 * 1024,
};
/** This file submits a lot; the submit budget has its own tests below. */
const roomyLimits = {
  ...DEFAULT_RATE_LIMITS,
  submitPerChallenge: { limit: 1000, windowSec: 60 },
  runPerUser: { limit: 1000, windowSec: 60 },
};
const realJudge = createJudge(judgeConfig);

/**
 * The real judge, with a switch for two situations one process cannot produce on its own: the judge
 * being down, and submissions of one user landing on different server processes at the same moment
 * (each process only knows its own in-flight runs, so the per-user limit does not hold across them).
 */
let judgeMode: 'real' | 'unavailable' | 'separate-processes' = 'real';
const judge: Judge = {
  version: realJudge.version,
  judge(spec, code, mode, options) {
    if (judgeMode === 'unavailable') return Promise.reject(new DomainError('JUDGE_UNAVAILABLE', 'down'));
    if (judgeMode === 'separate-processes')
      return realJudge.judge(spec, code, mode, { ...options, owner: undefined });
    return realJudge.judge(spec, code, mode, options);
  },
  checkChallenge: (spec) => realJudge.checkChallenge(spec),
  close: () => realJudge.close(),
};

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ judge, config: { judge: judgeConfig, rateLimits: roomyLimits } });
});
afterAll(() => api?.close());

const ADD = 'function add(a, b) { return a + b; }';

/** A user with one challenge of their own, assigned to them today (see challenges-daily.test.ts for the pools). */
async function assigned(values: Partial<typeof schema.challenges.$inferInsert> = {}, user = {}) {
  const language = `lang-${randomUUID().slice(0, 8)}`;
  const challenge = await insertChallenge(api.database.db, { language, ...values });
  const u = await api.createUser({ language, ...user });
  await api.as(u).challenges.daily();
  return { user: u, challenge, caller: api.as(u) };
}

async function submissionsOf(userId: string) {
  return api.database.db.select().from(schema.submissions).where(eq(schema.submissions.userId, userId));
}

async function userRow(userId: string) {
  const [row] = await api.database.db.select().from(schema.users).where(eq(schema.users.id, userId));
  return row!;
}

const verdictCases: [VerdictStatus, string][] = [
  ['accepted', ADD],
  ['wrong_answer', 'function add(a, b) { return a - b; }'],
  ['runtime_error', "function add() { throw new TypeError('boom'); }"],
  ['time_limit_exceeded', 'function add() { for (;;) {} }'],
  ['memory_limit_exceeded', "function add() { let s = 'x'; for (;;) s += s; }"],
  ['compile_error', 'function add(a, b) { return a + ; }'],
  ['missing_function', 'function sum(a, b) { return a + b; }'],
];

describe('challenges.submit and challenges.run verdicts (real judge)', () => {
  it.each(verdictCases)('submit records %s', async (status, code) => {
    const { user, challenge, caller } = await assigned();
    const result = await caller.challenges.submit({ challengeId: challenge.id, code });
    expect(result.verdict.status).toBe(status);
    const rows = await submissionsOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: result.submissionId,
      challengeId: challenge.id,
      status,
      code,
      passed: result.verdict.passed,
      total: 2,
      judgeVersion: realJudge.version,
      durationMs: expect.any(Number),
    });
    // A submit's verdict carries no timing: the time is kept on the row, for operators.
    expect(result.verdict.durationMs).toBeUndefined();
    // Generated cases ran from a recorded seed, so a failure can be replayed.
    expect(typeof rows[0]!.seed).toBe('number');
    expect(rows[0]!.verdict).toEqual(result.verdict);
    expect(result.firstCompletion).toBe(status === 'accepted');
    expect(result.awarded).toBe(status === 'accepted' ? 10 : 0);
  });

  it.each(verdictCases)('run answers %s and records nothing', async (status, code) => {
    const { user, challenge, caller } = await assigned();
    const { verdict } = await caller.challenges.run({ challengeId: challenge.id, code });
    expect(verdict.status).toBe(status);
    expect(verdict.total).toBe(2);
    expect(await submissionsOf(user.id)).toHaveLength(0);
    expect((await userRow(user.id)).points).toBe(0);
  });

  it('run judges the visible tests only and returns console output', async () => {
    // Passes the visible tests, fails the hidden one.
    const code = "function add(a, b) { console.log('adding', a, b); return a < 100 ? a + b : 0; }";
    const { challenge, caller } = await assigned();
    const run = await caller.challenges.run({ challengeId: challenge.id, code });
    expect(run.verdict).toMatchObject({ status: 'accepted', passed: 2, total: 2 });
    expect(run.verdict.logs).toContain('adding 1 2');
    const submit = await caller.challenges.submit({ challengeId: challenge.id, code });
    expect(submit.verdict.status).toBe('wrong_answer');
    // A hidden failure says that it failed and how, never which test or what.
    expect(submit.verdict).toMatchObject({ passed: 2, total: 2, hidden: 'failed' });
    expect(submit.verdict.firstFailure).toEqual({ kind: 'hidden' });
  });
});

describe('hostile code through challenges.submit', () => {
  it('an infinite loop ends as time_limit_exceeded, is recorded, and the process keeps serving', async () => {
    const { user, challenge, caller } = await assigned();
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    const result = await caller.challenges.submit({
      challengeId: challenge.id,
      code: 'function add() { while (true) {} }',
    });
    clearInterval(timer);
    expect(result.verdict.status).toBe('time_limit_exceeded');
    expect((await submissionsOf(user.id)).map((s) => s.status)).toEqual(['time_limit_exceeded']);
    // The event loop kept turning while the loop ran on a worker thread: no pause near the deadline's length.
    expect(longestGap).toBeLessThan(judgeConfig.timeoutMs / 2);
    // And the judge still works afterwards.
    const next = await caller.challenges.submit({ challengeId: challenge.id, code: ADD });
    expect(next.verdict.status).toBe('accepted');
  });

  it.each([
    ['deep recursion', 'runtime_error', 'function add(a, b) { return add(a, b) + 1; }'],
    [
      'require',
      'runtime_error',
      "function add() { return require('fs').readFileSync('/etc/passwd', 'utf8'); }",
    ],
    ['process', 'runtime_error', 'function add(a, b) { process.exit(1); }'],
    [
      'a host escape through constructors',
      'runtime_error',
      "function add() { return this.constructor.constructor('return process')().pid; }",
    ],
    [
      'a memory bomb',
      'memory_limit_exceeded',
      "function add() { const kept = []; let s = 'y'.repeat(1 << 16); for (;;) { kept.push(s); s += s; } }",
    ],
  ] as const)('%s ends as %s and is recorded', async (_name, status, code) => {
    const { user, challenge, caller } = await assigned();
    const result = await caller.challenges.submit({ challengeId: challenge.id, code });
    expect(result.verdict.status).toBe(status);
    expect((await submissionsOf(user.id)).map((s) => s.status)).toEqual([status]);
  });

  it('code over the size limit is refused with CODE_TOO_LARGE and not recorded', async () => {
    const { user, challenge, caller } = await assigned();
    const code = `${ADD}\n//${'x'.repeat(judgeConfig.codeMaxBytes)}`;
    await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code }),
      'PAYLOAD_TOO_LARGE',
      'CODE_TOO_LARGE',
    );
    expect(await submissionsOf(user.id)).toHaveLength(0);
  });

  it('a second submission while the first is being judged gets JUDGE_BUSY; only the first is recorded', async () => {
    const { user, challenge, caller } = await assigned();
    const slow = caller.challenges.submit({
      challengeId: challenge.id,
      code: 'function add() { for (;;) {} }',
    });
    await new Promise((r) => setTimeout(r, 50));
    await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: ADD }),
      'TOO_MANY_REQUESTS',
      'JUDGE_BUSY',
    );
    expect((await slow).verdict.status).toBe('time_limit_exceeded');
    expect(await submissionsOf(user.id)).toHaveLength(1);
  });

  it('JUDGE_UNAVAILABLE is an error, not a verdict: nothing is recorded', async () => {
    const { user, challenge, caller } = await assigned();
    judgeMode = 'unavailable';
    try {
      await expectTrpcError(
        caller.challenges.submit({ challengeId: challenge.id, code: ADD }),
        'SERVICE_UNAVAILABLE',
        'JUDGE_UNAVAILABLE',
      );
    } finally {
      judgeMode = 'real';
    }
    expect(await submissionsOf(user.id)).toHaveLength(0);
  });
});

describe('points are paid exactly once', () => {
  it('the first accepted submission pays the points, starts the streak, adds weekly points and publishes points.changed', async () => {
    // Sunday 23:30 UTC is Monday 12:30 in Auckland: the streak counts the local day, the week is UTC's.
    api.clock.set('2026-03-08T23:30:00Z');
    const { user, challenge, caller } = await assigned({ points: 25 }, { timezone: 'Pacific/Auckland' });
    const result = await caller.challenges.submit({ challengeId: challenge.id, code: ADD });
    expect(result).toMatchObject({ awarded: 25, firstCompletion: true, streak: { current: 1, best: 1 } });
    expect(await userRow(user.id)).toMatchObject({
      points: 25,
      currentStreak: 1,
      bestStreak: 1,
      lastCompletionDay: '2026-03-09',
    });
    const [completion] = await api.database.db
      .select()
      .from(schema.completions)
      .where(eq(schema.completions.userId, user.id));
    expect(completion).toMatchObject({
      challengeId: challenge.id,
      points: 25,
      day: '2026-03-09',
      submissionId: result.submissionId,
    });
    const weekly = await api.database.db
      .select()
      .from(schema.weeklyPoints)
      .where(eq(schema.weeklyPoints.userId, user.id));
    expect(weekly).toEqual([{ weekStart: '2026-03-02', userId: user.id, points: 25 }]);
    const events = await api.database.db
      .select()
      .from(schema.events)
      .where(and(eq(schema.events.userId, user.id), eq(schema.events.type, 'points.changed')));
    expect(events.map((e) => e.payload)).toEqual([{ points: 25, delta: 25 }]);
  });

  it('later accepted submissions are recorded but pay nothing more', async () => {
    const { user, challenge, caller } = await assigned({ points: 30 });
    await caller.challenges.submit({ challengeId: challenge.id, code: ADD });
    const again = await caller.challenges.submit({ challengeId: challenge.id, code: `${ADD}\n// v2` });
    expect(again).toMatchObject({ awarded: 0, firstCompletion: false, streak: { current: 1, best: 1 } });
    expect(again.verdict.status).toBe('accepted');
    expect((await userRow(user.id)).points).toBe(30);
    expect(await submissionsOf(user.id)).toHaveLength(2);
  });

  it('N concurrent accepted submits (as on N server processes) pay once', async () => {
    const { user, challenge, caller } = await assigned({ points: 40 });
    judgeMode = 'separate-processes';
    let results: Awaited<ReturnType<typeof caller.challenges.submit>>[];
    try {
      results = await Promise.all(
        Array.from({ length: 6 }, () => caller.challenges.submit({ challengeId: challenge.id, code: ADD })),
      );
    } finally {
      judgeMode = 'real';
    }
    expect(results.map((r) => r.verdict.status)).toEqual(Array(6).fill('accepted'));
    expect(results.filter((r) => r.firstCompletion)).toHaveLength(1);
    expect(results.reduce((sum, r) => sum + r.awarded, 0)).toBe(40);
    expect((await userRow(user.id)).points).toBe(40);
    expect(await submissionsOf(user.id)).toHaveLength(6);
    const events = await api.database.db
      .select()
      .from(schema.events)
      .where(and(eq(schema.events.userId, user.id), eq(schema.events.type, 'points.changed')));
    expect(events).toHaveLength(1);
  });

  it('N concurrent accepted submits through one process: one is paid, the rest are told JUDGE_BUSY or paid nothing', async () => {
    const { user, challenge, caller } = await assigned({ points: 15 });
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, () => caller.challenges.submit({ challengeId: challenge.id, code: ADD })),
    );
    const paid = settled.filter((s) => s.status === 'fulfilled' && s.value.awarded === 15);
    const busy = settled.filter(
      (s) => s.status === 'rejected' && (s.reason as { cause?: DomainError }).cause?.appCode === 'JUDGE_BUSY',
    );
    // One that came after the paid one had finished is judged too, and pays nothing.
    const later = settled.filter((s) => s.status === 'fulfilled' && s.value.awarded === 0);
    expect(paid).toHaveLength(1);
    expect(paid.length + busy.length + later.length).toBe(5);
    expect((await userRow(user.id)).points).toBe(15);
  });

  it('concurrent recordings of accepted verdicts race on the database and pay once', async () => {
    const { user, challenge } = await assigned({ points: 50 });
    const verdict = { status: 'accepted' as const, passed: 8, total: 8, durationMs: 3 };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        recordSubmission(api.services, {
          userId: user.id,
          challengeId: challenge.id,
          points: 50,
          code: ADD,
          language: 'javascript',
          verdict,
          seed: 1,
          judgeVersion: 'test',
          durationMs: 1,
          at: api.clock.now(),
        }),
      ),
    );
    expect(results.filter((r) => r.firstCompletion)).toHaveLength(1);
    expect(await userRow(user.id)).toMatchObject({ points: 50, currentStreak: 1, bestStreak: 1 });
    const weekly = await api.database.db
      .select()
      .from(schema.weeklyPoints)
      .where(eq(schema.weeklyPoints.userId, user.id));
    expect(weekly.map((w) => w.points)).toEqual([50]);
    expect(await submissionsOf(user.id)).toHaveLength(8);
  });
});

describe('streaks', () => {
  it('count consecutive local days, keep a same-day completion unchanged, restart after a gap and keep the best', async () => {
    const language = `lang-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 8; i++) await insertChallenge(api.database.db, { language, points: 10 });
    const user = await api.createUser({ language, timezone: 'America/Los_Angeles' });
    const caller = api.as(user);
    // 20:00 UTC is noon in Los Angeles (PST), the same local date as UTC's.
    const on = async (day: string) => {
      api.clock.set(`${day}T20:00:00Z`);
      return (await caller.challenges.daily()).challenge.id;
    };
    const solve = async (challengeId: string) =>
      (await caller.challenges.submit({ challengeId, code: ADD })).streak;

    expect(await solve(await on('2026-01-05'))).toEqual({ current: 1, best: 1 });
    const skipped = await on('2026-01-06'); // assigned, solved the next day
    expect(await solve(await on('2026-01-07'))).toEqual({ current: 1, best: 1 });
    expect(await solve(skipped)).toEqual({ current: 1, best: 1 }); // same day again: unchanged
    expect(await solve(await on('2026-01-08'))).toEqual({ current: 2, best: 2 });
    expect(await solve(await on('2026-01-09'))).toEqual({ current: 3, best: 3 });
    // 10 January passes without a completion: the streak shows 0 from 11 January on.
    api.clock.set('2026-01-11T20:00:00Z');
    expect(await caller.challenges.status()).toMatchObject({ currentStreak: 0, bestStreak: 3 });
    expect(await solve(await on('2026-01-11'))).toEqual({ current: 1, best: 3 });
    expect(await solve(await on('2026-01-12'))).toEqual({ current: 2, best: 3 });
    expect(await userRow(user.id)).toMatchObject({ points: 70, currentStreak: 2, bestStreak: 3 });
  });

  it('a streak still shows on the day after the last completion, in the user time zone', async () => {
    const { user, challenge, caller } = await assigned({}, { timezone: 'Pacific/Auckland' });
    api.clock.set('2026-02-10T10:00:00Z'); // 23:00 on 10 February in Auckland
    await caller.challenges.submit({ challengeId: challenge.id, code: ADD });
    api.clock.set('2026-02-11T10:59:00Z'); // 23:59 on 11 February there
    expect((await caller.challenges.status()).currentStreak).toBe(1);
    api.clock.set('2026-02-11T11:00:00Z'); // 12 February there: a whole day missed
    expect((await caller.challenges.status()).currentStreak).toBe(0);
    expect((await userRow(user.id)).currentStreak).toBe(1);
  });
});

describe('who may run and submit what', () => {
  it('a challenge never assigned to the caller answers NOT_FOUND, for run and submit', async () => {
    const { challenge } = await assigned();
    const stranger = await api.createUser();
    for (const call of [api.as(stranger).challenges.submit, api.as(stranger).challenges.run]) {
      await expectTrpcError(
        call({ challengeId: challenge.id, code: ADD }),
        'NOT_FOUND',
        'CHALLENGE_NOT_FOUND',
      );
    }
    expect(await submissionsOf(stranger.id)).toHaveLength(0);
  });

  it('an unknown id and an archived challenge answer NOT_FOUND', async () => {
    const { challenge, caller } = await assigned();
    await expectTrpcError(
      caller.challenges.submit({ challengeId: randomUUID(), code: ADD }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await api.database.db
      .update(schema.challenges)
      .set({ status: 'archived' })
      .where(eq(schema.challenges.id, challenge.id));
    await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: ADD }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
  });

  it('signed out callers get UNAUTHORIZED; malformed input gets BAD_REQUEST', async () => {
    const { challenge, caller } = await assigned();
    await expectTrpcError(
      api.anonymous().challenges.submit({ challengeId: challenge.id, code: ADD }),
      'UNAUTHORIZED',
      'UNAUTHENTICATED',
    );
    await expectTrpcError(
      api.anonymous().challenges.run({ challengeId: challenge.id, code: ADD }),
      'UNAUTHORIZED',
      'UNAUTHENTICATED',
    );
    await expectTrpcError(
      caller.challenges.submit({ challengeId: 'not-a-uuid', code: ADD }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: 42 } as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});
