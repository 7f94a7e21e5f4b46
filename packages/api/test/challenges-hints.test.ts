import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSubmission } from '../src/challenges/submit.ts';
import { expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi, unusedJudge } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ judge: unusedJudge });
});
afterAll(() => api?.close());

/** A user with today's challenge of their own pool (a made-up language keeps pools apart). */
async function userWithDaily(values: Partial<typeof schema.challenges.$inferInsert> = {}) {
  const language = `lang-${randomUUID().slice(0, 8)}`;
  await insertChallenge(api.database.db, { language, ...values });
  const user = await api.createUser({ language });
  const caller = api.as(user);
  const daily = await caller.challenges.daily();
  return { user, caller, challengeId: daily.challenge.id, daily };
}

/** A wrong answer recorded as the judge would have left it, at the test clock's time. */
function recordAttempt(userId: string, challengeId: string) {
  return recordSubmission(api.services, {
    userId,
    challengeId,
    points: 10,
    code: '// attempt',
    language: 'javascript',
    verdict: { status: 'wrong_answer', passed: 1, total: 3, durationMs: 2 },
    seed: 7,
    judgeVersion: 'test',
    durationMs: 1,
    at: api.clock.now(),
  });
}

describe('challenges.hint', () => {
  it('is not part of challenges.daily or challenges.byId, which say only hasHint', async () => {
    const { caller, challengeId, daily } = await userWithDaily({ help: 'Think of the + operator.' });
    expect(daily.challenge.hasHint).toBe(true);
    expect(daily.challenge).not.toHaveProperty('help');
    expect(JSON.stringify(daily)).not.toContain('Think of the + operator.');
    const byId = await caller.challenges.byId({ id: challengeId });
    expect(byId.challenge.hasHint).toBe(true);
    expect(JSON.stringify(byId)).not.toContain('Think of the + operator.');

    const none = await userWithDaily({ help: null });
    expect(none.daily.challenge.hasHint).toBe(false);
  });

  it('returns the hint and records its first use once under concurrent calls', async () => {
    const { user, caller, challengeId } = await userWithDaily({ help: 'Add them.' });
    const first = api.clock.now();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => caller.challenges.hint({ challengeId })),
    );
    expect(answers).toEqual(Array.from({ length: 12 }, () => ({ hint: 'Add them.' })));
    api.clock.advance(60_000);
    await caller.challenges.hint({ challengeId });
    const rows = await api.database.db
      .select()
      .from(schema.hintUses)
      .where(eq(schema.hintUses.userId, user.id));
    expect(rows).toEqual([{ userId: user.id, challengeId, usedAt: first }]);
  });

  it('marks the submissions made after the hint was opened, and only those', async () => {
    const { user, caller, challengeId } = await userWithDaily({ help: 'Add them.' });
    await recordAttempt(user.id, challengeId);
    api.clock.advance(1000);
    await caller.challenges.hint({ challengeId });
    api.clock.advance(1000);
    await recordAttempt(user.id, challengeId);
    const history = await caller.challenges.submissions({ challengeId });
    expect(history.items.map((s) => s.hintUsed)).toEqual([true, false]);
    // another user's hint says nothing about this user's submissions
    const other = await userWithDaily({ help: 'x' });
    await recordAttempt(other.user.id, other.challengeId);
    expect((await other.caller.challenges.submissions({})).items.map((s) => s.hintUsed)).toEqual([false]);
  });

  it('answers NO_HINT for a challenge without one, and records nothing', async () => {
    const { user, caller, challengeId } = await userWithDaily({ help: null });
    await expectTrpcError(caller.challenges.hint({ challengeId }), 'NOT_FOUND', 'NO_HINT');
    const rows = await api.database.db
      .select()
      .from(schema.hintUses)
      .where(eq(schema.hintUses.userId, user.id));
    expect(rows).toEqual([]);
  });

  it('answers the same NOT_FOUND as byId for a challenge the user cannot see or an unknown id', async () => {
    const { caller } = await userWithDaily();
    const unseen = await insertChallenge(api.database.db, { help: 'secret' });
    await expectTrpcError(
      caller.challenges.hint({ challengeId: unseen.id }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      caller.challenges.hint({ challengeId: randomUUID() }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      caller.challenges.hint({ challengeId: 'not-a-uuid' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});
