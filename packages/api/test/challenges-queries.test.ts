import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSubmission } from '../src/challenges/submit.ts';
import { expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';

/** These tests never run code: submissions are recorded as the judge would have left them. */
const failingJudge = {
  version: 'none',
  judge: () => Promise.reject(new Error('not used')),
  checkChallenge: () => Promise.reject(new Error('not used')),
  close: async () => {},
};

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ judge: failingJudge });
});
afterAll(() => api?.close());

const lang = () => `lang-${randomUUID().slice(0, 8)}`;

/** A user with `n` challenges of their own pool, one assigned on each of n days from 2026-07-01. */
async function userWithAssignments(n: number, values: Partial<typeof schema.challenges.$inferInsert> = {}) {
  const language = lang();
  for (let i = 0; i < n; i++) await insertChallenge(api.database.db, { language, ...values });
  const user = await api.createUser({ language });
  const assignedIds: string[] = [];
  for (let i = 0; i < n; i++) {
    api.clock.set(new Date(Date.UTC(2026, 6, 1 + i, 12)));
    assignedIds.push((await api.as(user).challenges.daily()).challenge.id);
  }
  return { user, assignedIds, caller: api.as(user) };
}

async function record(userId: string, challengeId: string, status: 'accepted' | 'wrong_answer', points = 10) {
  return recordSubmission(api.services, {
    userId,
    challengeId,
    points,
    code: `// ${status}`,
    language: 'javascript',
    verdict: { status, passed: status === 'accepted' ? 3 : 1, total: 3, durationMs: 2 },
    seed: 7,
    judgeVersion: 'test',
    durationMs: 1,
    at: api.clock.now(),
  });
}

describe('challenges.byId', () => {
  it('shows an assigned challenge with its completion state and no hidden data', async () => {
    const { user, assignedIds, caller } = await userWithAssignments(2);
    const [first, second] = assignedIds as [string, string];
    await record(user.id, first, 'accepted');
    const done = await caller.challenges.byId({ id: first });
    expect(done).toMatchObject({ completed: true, pointsAwarded: 10, challenge: { id: first } });
    expect(done.challenge).not.toHaveProperty('hiddenTests');
    expect(done.challenge).not.toHaveProperty('generator');
    expect(done.challenge).not.toHaveProperty('solution');
    expect(await caller.challenges.byId({ id: second })).toMatchObject({
      completed: false,
      completedAt: null,
    });
  });

  it('answers NOT_FOUND for a challenge never assigned to the caller, and for one assigned to someone else', async () => {
    const { assignedIds } = await userWithAssignments(1);
    const unassigned = await insertChallenge(api.database.db, { language: lang() });
    const stranger = await api.createUser();
    await expectTrpcError(
      api.as(stranger).challenges.byId({ id: unassigned.id }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(stranger).challenges.byId({ id: assignedIds[0]! }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(stranger).challenges.byId({ id: randomUUID() }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
  });

  it('keeps showing a challenge the caller was assigned after it is archived', async () => {
    const { assignedIds, caller } = await userWithAssignments(1);
    await api.database.db
      .update(schema.challenges)
      .set({ status: 'archived' })
      .where(sql`${schema.challenges.id} = ${assignedIds[0]}`);
    expect((await caller.challenges.byId({ id: assignedIds[0]! })).challenge.id).toBe(assignedIds[0]);
  });

  it('rejects signed-out callers and malformed ids', async () => {
    await expectTrpcError(
      api.anonymous().challenges.byId({ id: randomUUID() }),
      'UNAUTHORIZED',
      'UNAUTHENTICATED',
    );
    const user = await api.createUser();
    await expectTrpcError(
      api.as(user).challenges.byId({ id: 'two-sum' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});

describe('challenges.completed', () => {
  it('lists completions newest first, paging by cursor without gaps or repeats', async () => {
    const { user, assignedIds, caller } = await userWithAssignments(5);
    for (const [i, id] of assignedIds.entries()) {
      api.clock.set(new Date(Date.UTC(2026, 6, 10, 12, i)));
      await record(user.id, id, 'accepted', 10 + i);
    }
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await caller.challenges.completed({ limit: 2, cursor });
      seen.push(...page.items.map((i) => i.challenge.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...assignedIds].reverse());
    const [newest] = (await caller.challenges.completed()).items;
    expect(newest).toMatchObject({
      pointsAwarded: 14,
      day: '2026-07-10',
      completedAt: new Date(Date.UTC(2026, 6, 10, 12, 4)),
    });
    expect(newest!.challenge).not.toHaveProperty('tests');
  });

  it("orders completions with the same timestamp by id, and never shows another user's", async () => {
    const { user, assignedIds, caller } = await userWithAssignments(3);
    api.clock.set('2026-07-20T12:00:00Z');
    for (const id of assignedIds) await record(user.id, id, 'accepted');
    const other = await userWithAssignments(2);
    for (const id of other.assignedIds) await record(other.user.id, id, 'accepted');
    const first = await caller.challenges.completed({ limit: 2 });
    const second = await caller.challenges.completed({ limit: 2, cursor: first.nextCursor });
    const ids = [...first.items, ...second.items].map((i) => i.challenge.id);
    expect(ids).toEqual([...assignedIds].sort().reverse());
    expect(second.nextCursor).toBeNull();
  });

  it('rejects a forged cursor with BAD_REQUEST and signed-out callers with UNAUTHORIZED', async () => {
    const user = await api.createUser();
    const forged = Buffer.from(JSON.stringify(["2026-01-01'; drop table users; --", randomUUID()])).toString(
      'base64url',
    );
    await expectTrpcError(
      api.as(user).challenges.completed({ cursor: forged }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      api.as(user).challenges.completed({ cursor: 'not-base64-json' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(api.anonymous().challenges.completed(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});

describe('challenges.submissions', () => {
  it("shows the caller's own submissions only, newest first, filtered by challenge and paged", async () => {
    const { user, assignedIds, caller } = await userWithAssignments(2);
    const [a, b] = assignedIds as [string, string];
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      api.clock.advance(1000);
      mine.push((await record(user.id, i % 2 ? b : a, i === 4 ? 'accepted' : 'wrong_answer')).submissionId);
    }
    const other = await userWithAssignments(1);
    await record(other.user.id, other.assignedIds[0]!, 'wrong_answer');

    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await caller.challenges.submissions({ limit: 2, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse());

    const onlyA = await caller.challenges.submissions({ challengeId: a });
    expect(onlyA.items.map((s) => s.id)).toEqual([mine[4], mine[2], mine[0]]);
    expect(onlyA.items[0]).toMatchObject({
      status: 'accepted',
      passed: 3,
      total: 3,
      challengeId: a,
      code: '// accepted',
    });

    // Another user's challenge id filters to nothing rather than revealing their submissions.
    const snooping = await caller.challenges.submissions({ challengeId: other.assignedIds[0] });
    expect(snooping.items).toEqual([]);
    const theirs = await api.as(other.user).challenges.submissions();
    expect(theirs.items).toHaveLength(1);
    expect(theirs.items.every((s) => !mine.includes(s.id))).toBe(true);
  });

  it('rejects signed-out callers', async () => {
    await expectTrpcError(api.anonymous().challenges.submissions(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});

describe('challenges.status', () => {
  it('reports completed ids, points and streaks', async () => {
    const { user, assignedIds, caller } = await userWithAssignments(2);
    expect(await caller.challenges.status()).toEqual({
      completedIds: [],
      points: 0,
      currentStreak: 0,
      bestStreak: 0,
      freezes: { held: 0, max: 2 },
    });
    api.clock.set('2026-08-01T12:00:00Z');
    await record(user.id, assignedIds[0]!, 'accepted', 10);
    api.clock.set('2026-08-02T12:00:00Z');
    await record(user.id, assignedIds[1]!, 'accepted', 20);
    expect(await caller.challenges.status()).toEqual({
      completedIds: [assignedIds[1], assignedIds[0]],
      points: 30,
      currentStreak: 2,
      bestStreak: 2,
      freezes: { held: 0, max: 2 },
    });
    api.clock.set('2026-08-04T00:00:00Z');
    expect(await caller.challenges.status()).toMatchObject({ currentStreak: 0, bestStreak: 2, points: 30 });
  });

  it('rejects signed-out callers', async () => {
    await expectTrpcError(api.anonymous().challenges.status(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});

describe('challenges.topics', () => {
  it('counts the tags of published challenges only, most used first, for anyone', async () => {
    const tag = (name: string) => `${name}-${randomUUID().slice(0, 6)}`;
    const [common, rare, hidden] = [tag('common'), tag('rare'), tag('hidden')];
    await insertChallenge(api.database.db, { tags: [common, rare] });
    await insertChallenge(api.database.db, { tags: [common] });
    await insertChallenge(api.database.db, { tags: [common, hidden], status: 'draft' });
    await insertChallenge(api.database.db, { tags: [hidden], status: 'archived' });
    const topics = await api.anonymous().challenges.topics();
    const mine = topics.filter((t) => [common, rare, hidden].includes(t.tag));
    expect(mine).toEqual([
      { tag: common, count: 2 },
      { tag: rare, count: 1 },
    ]);
    const counts = topics.map((t) => t.count);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
  });
});
