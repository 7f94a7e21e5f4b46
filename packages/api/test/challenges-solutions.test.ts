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

/** A submission recorded as the judge would have left it, at the test clock's time. */
function record(userId: string, challengeId: string, status: 'accepted' | 'wrong_answer', code: string) {
  return recordSubmission(api.services, {
    userId,
    challengeId,
    points: 10,
    code,
    language: 'typescript',
    verdict: { status, passed: status === 'accepted' ? 3 : 1, total: 3, durationMs: 2 },
    seed: 7,
    judgeVersion: 'test',
    durationMs: 1,
    at: api.clock.now(),
  });
}

/** A challenge of its own pool with a caller assigned to it (not solved yet). */
async function challengeWithCaller() {
  const language = `lang-${randomUUID().slice(0, 8)}`;
  const challenge = await insertChallenge(api.database.db, { language });
  const me = await api.createUser({ language });
  const caller = api.as(me);
  await caller.challenges.daily();
  return { challengeId: challenge.id, me, caller };
}

/** `n` other users who solve the challenge one minute apart, each after a wrong try. */
async function solvers(challengeId: string, n: number) {
  const users = [];
  for (let i = 0; i < n; i++) {
    const user = await api.createUser();
    api.clock.advance(60_000);
    await record(user.id, challengeId, 'wrong_answer', `// wrong ${i}`);
    api.clock.advance(1000);
    await record(user.id, challengeId, 'accepted', `// solution ${i}`);
    users.push(user);
  }
  return users;
}

describe('challenges.solutions', () => {
  it('answers NOT_SOLVED_YET before the caller solved it, also after a wrong answer', async () => {
    const { challengeId, me, caller } = await challengeWithCaller();
    await solvers(challengeId, 1);
    await expectTrpcError(caller.challenges.solutions({ challengeId }), 'FORBIDDEN', 'NOT_SOLVED_YET');
    await record(me.id, challengeId, 'wrong_answer', '// nope');
    await expectTrpcError(caller.challenges.solutions({ challengeId }), 'FORBIDDEN', 'NOT_SOLVED_YET');
  });

  it('answers NOT_FOUND for a challenge the caller cannot see, as byId does', async () => {
    const { caller } = await challengeWithCaller();
    const unseen = await insertChallenge(api.database.db);
    await expectTrpcError(
      caller.challenges.solutions({ challengeId: unseen.id }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      caller.challenges.solutions({ challengeId: randomUUID() }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
  });

  it("after solving: others' first accepted solutions, newest first, in pages, not the caller's own", async () => {
    const { challengeId, me, caller } = await challengeWithCaller();
    const others = await solvers(challengeId, 5);
    api.clock.advance(60_000);
    await record(me.id, challengeId, 'accepted', '// mine');
    // a later accepted resubmission is not "the" solution
    api.clock.advance(60_000);
    await record(others[0]!.id, challengeId, 'accepted', '// resubmitted');

    const seen = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof caller.challenges.solutions>> = await caller.challenges.solutions(
        {
          challengeId,
          limit: 2,
          cursor,
        },
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((s) => s.code)).toEqual([4, 3, 2, 1, 0].map((i) => `// solution ${i}`));
    expect(seen.map((s) => s.username)).toEqual([4, 3, 2, 1, 0].map((i) => others[i]!.username));
    expect(seen[0]).toMatchObject({ language: 'typescript' });
    expect(seen[0]!.solvedAt).toBeInstanceOf(Date);
    const times = seen.map((s) => s.solvedAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('leaves out users who hid their solutions and deleted accounts', async () => {
    const { challengeId, me, caller } = await challengeWithCaller();
    const [shown, hiding, deleted] = await solvers(challengeId, 3);
    await record(me.id, challengeId, 'accepted', '// mine');
    const hidden = await api.as(hiding!).auth.updateProfile({ shareSolutions: false });
    expect(hidden.shareSolutions).toBe(false);
    expect((await api.as(hiding!).auth.me()).shareSolutions).toBe(false);
    expect((await caller.auth.me()).shareSolutions).toBe(true);
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, deleted!.id));
    const page = await caller.challenges.solutions({ challengeId });
    expect(page.items.map((s) => s.username)).toEqual([shown!.username]);
    expect(page.nextCursor).toBeNull();
    // sharing again shows it again
    await api.as(hiding!).auth.updateProfile({ shareSolutions: true });
    expect((await caller.challenges.solutions({ challengeId })).items).toHaveLength(2);
  });

  it('refuses forged cursors and bad input with VALIDATION_FAILED', async () => {
    const { challengeId, me, caller } = await challengeWithCaller();
    await record(me.id, challengeId, 'accepted', '// mine');
    const forged = [
      Buffer.from(JSON.stringify(['2026-13-40 00:00:00+00', randomUUID()])).toString('base64url'),
      Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', "x'; drop table users; --"])).toString(
        'base64url',
      ),
      Buffer.from('not json').toString('base64url'),
    ];
    for (const cursor of forged) {
      await expectTrpcError(
        caller.challenges.solutions({ challengeId, cursor }),
        'BAD_REQUEST',
        'VALIDATION_FAILED',
      );
    }
    await expectTrpcError(
      caller.challenges.solutions({ challengeId, limit: 10_000 }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      caller.challenges.solutions({ challengeId: 'x\u0000' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      api.as(me).auth.updateProfile({ shareSolutions: 'no' as unknown as boolean }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});
