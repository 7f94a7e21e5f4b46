import { loadStarterChallenges } from '@skillbytes/db';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../src/config.ts';
import { createJudge } from '../src/judge/index.ts';

/**
 * Every starter challenge is judged in the real sandbox: its tests against its generator's checker,
 * its reference solution and the memorising adversaries (what `challenges.create` checks), then the
 * reference solution submitted like a user's, with generated cases from seeds other than the check's.
 * One test per challenge, named by its slug. The time limits are three times a server's defaults, so
 * a busy machine never decides a verdict, and a reference that is far too slow still fails here.
 */
type StarterChallenge = Awaited<ReturnType<typeof loadStarterChallenges>>[number];

const defaults = defaultApiConfig().judge;
const judge = createJudge({
  ...defaults,
  timeoutMs: defaults.timeoutMs * 3,
  testTimeoutMs: defaults.testTimeoutMs * 3,
});
const pool = await loadStarterChallenges();
afterAll(() => judge.close());

const specOf = (c: StarterChallenge) => ({
  functionName: c.functionName,
  tests: c.tests,
  hiddenTests: c.hiddenTests,
  generator: c.generator ?? null,
});

describe('the starter challenge pool', () => {
  it('has at least 30 challenges, each with a reference solution to judge', () => {
    expect(pool.length).toBeGreaterThanOrEqual(30);
    expect(pool.filter((c) => !c.solution).map((c) => c.slug)).toEqual([]);
  });

  it.each(pool.map((c) => [c.slug, c] as const))('%s passes its own data in the judge', async (slug, c) => {
    const check = await judge.checkChallenge({ ...specOf(c), solution: c.solution ?? null });
    expect(check, `${slug}: its tests, checker or solution disagree`).toMatchObject({ ok: true });
    for (const seed of [20260302, 7]) {
      const { verdict } = await judge.judge(specOf(c), c.solution ?? '', 'submit', { seed });
      expect(
        { status: verdict.status, firstFailure: verdict.firstFailure, message: verdict.message },
        `${slug}: the reference solution submitted with seed ${seed}`,
      ).toEqual({ status: 'accepted', firstFailure: undefined, message: undefined });
    }
  });
});
