import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import type { CallTest, ChallengeCore } from '@skillbytes/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, defaultApiConfig } from '../src/config.ts';
import { createJudge } from '../src/judge/index.ts';
import type { Judge } from '../src/judge/types.ts';
import { addChallenge, expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';

/**
 * Points must mean something: a verdict teaches nothing about hidden tests beyond pass/fail, each
 * submit spends a budget kept in PostgreSQL, weak challenges are refused at authoring, and whatever a
 * solution returns, the judged submission is recorded. Through tRPC callers on a real database.
 */
const realJudge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 10_000, testTimeoutMs: 2000 });
/** Submissions "from several processes": no per-owner in-flight guard, so the budget alone decides. */
const judge: Judge = {
  version: realJudge.version,
  judge: (spec, code, mode, options) => realJudge.judge(spec, code, mode, { ...options, owner: undefined }),
  checkChallenge: (spec) => realJudge.checkChallenge(spec),
  close: () => realJudge.close(),
};

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ judge, config: { rateLimits: DEFAULT_RATE_LIMITS } });
});
afterAll(() => api?.close());

const ADD = 'function add(a, b) { return a + b; }';

async function assigned(values: Partial<typeof schema.challenges.$inferInsert> = {}) {
  const language = `lang-${randomUUID().slice(0, 8)}`;
  const challenge = await insertChallenge(api.database.db, { language, ...values });
  const user = await api.createUser({ language });
  await api.as(user).challenges.daily();
  return { user, challenge, caller: api.as(user) };
}

const submissionsOf = (userId: string) =>
  api.database.db.select().from(schema.submissions).where(eq(schema.submissions.userId, userId));

describe('no oracle in verdicts', () => {
  // Five hidden tests and no generator: the shape of the challenge the oracle attack beat in 3 submits.
  const hiddenTests = [7, 19, 23, 42, 97].map((a) => ({ input: [a, 1], expectedOutput: a + 1 }));

  it('a code that probes the hidden tests learns only pass/fail: no index, no count, no timing', async () => {
    const { challenge, caller } = await assigned({ hiddenTests, generator: null });
    // Hard-codes the visible answers, fails the hidden tests one way or another, and spins for
    // `input` ms so a timing in the verdict would carry the hidden input back.
    const probes = [
      'function add(a, b) { if (a > 5) { const end = Date.now() + a; while (Date.now() < end) {} } return a === 1 ? 3 : a === -4 ? 0 : -1; }',
      'function add(a, b) { if (a === 42) throw new Error("saw " + a); return a === 1 ? 3 : a === -4 ? 0 : a + b; }',
      'function add(a, b) { return a === 1 ? 3 : a === -4 ? 0 : a < 50 ? a + b : 0; }',
    ];
    for (const code of probes) {
      const { verdict } = await caller.challenges.submit({ challengeId: challenge.id, code });
      expect(verdict).toEqual({
        status: verdict.status,
        passed: 2,
        total: 2,
        hidden: 'failed',
        firstFailure: { kind: 'hidden' },
      });
      expect(['wrong_answer', 'runtime_error']).toContain(verdict.status);
    }
    // The history the user can read says no more than the verdict did.
    const history = await caller.challenges.submissions({ challengeId: challenge.id });
    expect(history.items).toHaveLength(3);
    for (const item of history.items) {
      expect(item).not.toHaveProperty('durationMs');
      expect(JSON.stringify(item.verdict)).not.toMatch(/"index"|"durationMs"|"seed"|saw/);
      expect(item).toMatchObject({ passed: 2, total: 2 });
    }
  });

  it('a visible failure runs no hidden test at all', async () => {
    const { challenge, caller } = await assigned({ hiddenTests });
    const { verdict } = await caller.challenges.submit({
      challengeId: challenge.id,
      code: 'function add(a, b) { return a === 1 ? 0 : a + b; }',
    });
    expect(verdict).toMatchObject({ status: 'wrong_answer', passed: 1, total: 2, hidden: 'not_run' });
  });
});

describe('the submit budget, in PostgreSQL', () => {
  it('admits a few submits per challenge, then answers TOO_MANY_REQUESTS with retryAfter and records nothing', async () => {
    const { user, challenge, caller } = await assigned();
    const { limit } = DEFAULT_RATE_LIMITS.submitPerChallenge;
    const wrong = 'function add(a, b) { return 0; }';
    for (let i = 0; i < limit; i++) {
      expect(
        (await caller.challenges.submit({ challengeId: challenge.id, code: wrong })).verdict.status,
      ).toBe('wrong_answer');
    }
    const refused = await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: ADD }),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
    const retryAfter = (refused.cause as { details?: { retryAfter?: number } }).details?.retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await submissionsOf(user.id)).toHaveLength(limit);
    // After the wait, one more; and the wait grows with every further attempt (backoff).
    api.clock.advance(retryAfter! * 1000);
    expect((await caller.challenges.submit({ challengeId: challenge.id, code: wrong })).verdict.status).toBe(
      'wrong_answer',
    );
    const next = await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: ADD }),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
    expect((next.cause as { details?: { retryAfter?: number } }).details?.retryAfter).toBeGreaterThan(
      retryAfter!,
    );
  });

  it('holds under concurrent submits: exactly the budget is judged', async () => {
    const { user, challenge, caller } = await assigned();
    const { limit } = DEFAULT_RATE_LIMITS.submitPerChallenge;
    const settled = await Promise.allSettled(
      Array.from({ length: limit + 5 }, () =>
        caller.challenges.submit({ challengeId: challenge.id, code: 'const add = () => 0;' }),
      ),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(limit);
    expect(await submissionsOf(user.id)).toHaveLength(limit);
  });

  it('is per challenge and per user, and `run` has its own looser budget', async () => {
    const language = `lang-${randomUUID().slice(0, 8)}`;
    const first = await insertChallenge(api.database.db, { language });
    const user = await api.createUser({ language });
    const other = await api.createUser({ language });
    await api.as(user).challenges.daily();
    await api.as(other).challenges.daily();
    const { limit } = DEFAULT_RATE_LIMITS.submitPerChallenge;
    for (let i = 0; i < limit; i++) {
      await api.as(user).challenges.submit({ challengeId: first.id, code: 'const add = () => 0;' });
    }
    await expectTrpcError(
      api.as(user).challenges.submit({ challengeId: first.id, code: ADD }),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
    // Someone else's budget is untouched, and so is this user's run budget.
    expect((await api.as(other).challenges.submit({ challengeId: first.id, code: ADD })).verdict.status).toBe(
      'accepted',
    );
    expect((await api.as(user).challenges.run({ challengeId: first.id, code: ADD })).verdict.status).toBe(
      'accepted',
    );
    const runs = DEFAULT_RATE_LIMITS.runPerUser.limit;
    const results = await Promise.allSettled(
      Array.from({ length: runs + 3 }, () =>
        api.as(other).challenges.run({ challengeId: first.id, code: ADD }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(runs);
  });
});

describe('attempts without a verdict', () => {
  it('cost no budget: code the judge refuses as too large can be followed by real submits', async () => {
    const { user, challenge, caller } = await assigned();
    const { limit } = DEFAULT_RATE_LIMITS.submitPerChallenge;
    const huge = `${ADD}\n//${'x'.repeat(defaultApiConfig().judge.codeMaxBytes)}`;
    for (let i = 0; i < limit + 2; i++) {
      await expectTrpcError(
        caller.challenges.submit({ challengeId: challenge.id, code: huge }),
        'PAYLOAD_TOO_LARGE',
        'CODE_TOO_LARGE',
      );
    }
    expect((await caller.challenges.submit({ challengeId: challenge.id, code: ADD })).verdict.status).toBe(
      'accepted',
    );
    expect(await submissionsOf(user.id)).toHaveLength(1);
  });
});

describe('the response time of a submit', () => {
  it('is a whole multiple of the quantum, so how long code ran on hidden tests does not show', async () => {
    const quantumMs = 400;
    // A judge of its own: closing this api closes its judge.
    const timed = await createTestApi({
      config: { judge: { ...defaultApiConfig().judge, submitQuantumMs: quantumMs } },
    });
    try {
      const language = `lang-${randomUUID().slice(0, 8)}`;
      const challenge = await insertChallenge(timed.database.db, { language });
      const user = await timed.createUser({ language });
      await timed.as(user).challenges.daily();
      const started = performance.now();
      const { verdict } = await timed.as(user).challenges.submit({ challengeId: challenge.id, code: ADD });
      expect(verdict.status).toBe('accepted');
      // A fast submit still answers no sooner than one quantum after it arrived.
      expect(performance.now() - started).toBeGreaterThanOrEqual(quantumMs - 5);
    } finally {
      await timed.close();
    }
  });
});

describe('authoring refuses weak challenges', () => {
  let admin: Awaited<ReturnType<TestApi['createUser']>>;
  beforeAll(async () => {
    admin = await api.createUser({ role: 'admin' });
  });

  it('refuses a challenge that a solution memorising the visible answers passes', async () => {
    const weak = addChallenge({
      title: `Weak ${randomUUID().slice(0, 8)}`,
      hiddenTests: [],
      generator: undefined,
    });
    const error = await expectTrpcError(
      api.as(admin).challenges.create({ challenge: weak }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    const problems = (error.cause as { details?: { problems?: string[] } }).details?.problems;
    expect(problems).toEqual([
      expect.stringMatching(/memorises the visible tests' answers.*add hidden tests/),
    ]);
  });

  it('refuses an update that makes a challenge weak, and keeps the stored one', async () => {
    const created = await api.as(admin).challenges.create({
      challenge: addChallenge({ title: `Strong ${randomUUID().slice(0, 8)}` }),
    });
    await expectTrpcError(
      api.as(admin).challenges.update({ id: created.id, patch: { hiddenTests: [], generator: null } }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    const stored = await api.as(admin).challenges.get({ id: created.id });
    expect(stored.hiddenTests).toEqual(created.hiddenTests);
  });
});

describe('stored tests are judged as written', () => {
  it('keeps object key order, so a key-order answer passes authoring and then accepts its own reference', async () => {
    const admin = await api.createUser({ role: 'admin' });
    const language = `lang-${randomUUID().slice(0, 8)}`;
    const solution = 'const keysOf = (o) => Object.keys(o);';
    // jsonb would store {"a":…,"b":…} and {"x":…,"yy":…,"zzz":…}: shorter keys first, then by bytes.
    const challenge: ChallengeCore = {
      ...addChallenge({ title: `Key order ${randomUUID().slice(0, 8)}` }),
      functionName: 'keysOf',
      tests: [{ input: [{ b: 1, a: 2 }], expectedOutput: ['b', 'a'] }],
      hiddenTests: [
        { input: [{ zzz: 1, yy: 2, x: 3 }], expectedOutput: ['zzz', 'yy', 'x'] },
        { input: [{}], expectedOutput: [] },
      ],
      generator: undefined,
      solution,
    };
    const created = await api.as(admin).challenges.create({ challenge, publish: true });
    // A pool of its own, so the daily pick can only be this challenge.
    await api.database.db
      .update(schema.challenges)
      .set({ language, languages: [language] })
      .where(eq(schema.challenges.id, created.id));
    expect(created.tests).toEqual(challenge.tests);
    expect(Object.keys((created.hiddenTests[0] as CallTest).input[0] as object)).toEqual(['zzz', 'yy', 'x']);
    const user = await api.createUser({ language });
    const daily = await api.as(user).challenges.daily();
    expect(daily.challenge.id).toBe(created.id);
    const { verdict } = await api.as(user).challenges.submit({ challengeId: created.id, code: solution });
    expect(verdict).toMatchObject({ status: 'accepted', hidden: 'passed' });
  });
});

describe('what a solution returns is always storable', () => {
  it.each([
    ['a NUL character', String.raw`'a\u0000b'`],
    ['a lone high surrogate', String.raw`'\ud800'`],
    ['a lone low surrogate in a key', String.raw`({ ['\udc00']: 1 })`],
    ['NUL in an error message', String.raw`(() => { throw new Error('\u0000'); })()`],
  ])('a verdict holding %s is recorded, not lost with a 500', async (_name, expression) => {
    const { user, challenge, caller } = await assigned();
    const code = `function add() { return ${expression}; }`;
    const result = await caller.challenges.submit({ challengeId: challenge.id, code });
    expect(['wrong_answer', 'runtime_error']).toContain(result.verdict.status);
    const [row] = await submissionsOf(user.id);
    expect(row).toMatchObject({ id: result.submissionId, status: result.verdict.status, code });
    expect(JSON.stringify(row!.verdict)).toContain('\ufffd');
    const history = await caller.challenges.submissions({ challengeId: challenge.id });
    expect(history.items.map((i) => i.id)).toEqual([result.submissionId]);
  });
});
