import { schema } from '@skillbytes/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, testClock } from '../../test/helpers.ts';
import { insertChallenge } from '../../test/challenges-fixtures.ts';
import { awardPoints, expectTrpcError } from '../../test/realtime-fixtures.ts';
import { recordSubmission } from '../challenges/submit.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ clock: testClock(new Date('2026-03-04T15:00:00Z')) });
});
afterAll(() => api?.close());

describe('admin.stats', () => {
  it('counts users, activity today, submissions, acceptance and the most completed challenges', async () => {
    const admin = await api.createUser({ role: 'admin', createdAt: new Date('2026-02-01T00:00:00Z') });
    const old = await api.createUser({ createdAt: new Date('2026-03-03T23:59:59Z') });
    const fresh = await api.createUser();
    await api.createUser({ deletedAt: api.clock.now() });

    // Yesterday: old completes a challenge (not "active today" for that).
    const yesterday = await awardPoints(api, old, 10, new Date('2026-03-03T10:00:00Z'));
    const [popular] = await api.database.db
      .select({ id: schema.completions.challengeId })
      .from(schema.completions);
    // Today: fresh completes the same challenge after a wrong answer.
    const wrong = { status: 'wrong_answer' as const, passed: 0, total: 1 };
    const base = {
      userId: fresh.id,
      challengeId: popular!.id,
      points: 10,
      code: 'x',
      language: 'javascript' as const,
      seed: null,
      judgeVersion: 't',
      durationMs: 1,
    };
    await recordSubmission(api.services, { ...base, verdict: wrong, at: api.clock.now() });
    await recordSubmission(api.services, {
      ...base,
      verdict: { status: 'accepted', passed: 1, total: 1 },
      at: api.clock.now(),
    });
    await awardPoints(api, fresh, 5);
    expect(yesterday.firstCompletion).toBe(true);

    const stats = await api.as(admin).admin.stats();
    expect(stats).toMatchObject({
      day: '2026-03-04',
      users: { total: 3, admins: 1, newToday: 1 },
      activeToday: 1,
      submissions: { total: 4, accepted: 3, today: 3 },
      acceptanceRate: 0.75,
      completions: 3,
    });
    expect(stats.topChallenges[0]).toMatchObject({
      id: popular!.id,
      completions: 2,
      submissions: 3,
      acceptanceRate: 2 / 3,
    });
    expect(stats.topChallenges).toHaveLength(2);
  });

  it('answers with zeros and no rate on an empty platform', async () => {
    const empty = await createTestApi();
    try {
      const admin = await empty.createUser({ role: 'admin' });
      expect(await empty.as(admin).admin.stats()).toMatchObject({
        users: { total: 1, admins: 1 },
        submissions: { total: 0, accepted: 0, today: 0 },
        acceptanceRate: null,
        topChallenges: [],
      });
    } finally {
      await empty.close();
    }
  });

  it('counts frozen days, leagues with their members, and hints opened (today apart)', async () => {
    const solo = await createTestApi({ clock: testClock(new Date('2026-03-04T15:00:00Z')) });
    try {
      const admin = await solo.createUser({ role: 'admin' });
      const [a, b, c] = [await solo.createUser(), await solo.createUser(), await solo.createUser()];
      const db = solo.database.db;
      // Only frozen days count: not solved or skipped ones.
      await db.insert(schema.streakDays).values([
        { userId: a.id, day: '2026-03-01', kind: 'frozen' },
        { userId: a.id, day: '2026-03-02', kind: 'frozen' },
        { userId: b.id, day: '2026-03-02', kind: 'frozen' },
        { userId: a.id, day: '2026-03-03', kind: 'solved' },
        { userId: c.id, day: '2026-03-03', kind: 'skipped' },
      ]);
      const league = await solo.as(a).groups.create({ name: 'Lunch club' });
      await solo.as(b).groups.join({ inviteCode: league.inviteCode });
      await solo.as(c).groups.create({ name: 'Solo' });
      const [x, y] = [await insertChallenge(db, { help: 'x' }), await insertChallenge(db, { help: 'y' })];
      await db.insert(schema.hintUses).values([
        { userId: a.id, challengeId: x.id, usedAt: new Date('2026-03-04T00:00:00Z') },
        { userId: b.id, challengeId: x.id, usedAt: new Date('2026-03-03T23:59:59Z') },
        { userId: b.id, challengeId: y.id, usedAt: new Date('2026-03-04T14:00:00Z') },
      ]);

      expect(await solo.as(admin).admin.stats()).toMatchObject({
        freezesUsed: 3,
        groups: { total: 2, members: 3 },
        hintsUsed: { total: 3, today: 2 },
      });
    } finally {
      await solo.close();
    }
  });

  it("users.get lists achievements and hints opened, and the streak as of the user's today", async () => {
    const solo = await createTestApi({ clock: testClock(new Date('2026-03-04T15:00:00Z')) });
    try {
      const admin = await solo.createUser({ role: 'admin' });
      const db = solo.database.db;
      // Solved last on the 1st: the 2nd and 3rd were missed. Two freezes cover them; one does not.
      const streak = { timezone: 'UTC', currentStreak: 6, bestStreak: 9, lastCompletionDay: '2026-03-01' };
      const covered = await solo.createUser({ ...streak, freezesHeld: 2 });
      const broken = await solo.createUser({ ...streak, freezesHeld: 1 });
      await db.insert(schema.userAchievements).values([
        { userId: covered.id, achievementId: 'streak_7', earnedAt: new Date('2026-02-20T00:00:00Z') },
        { userId: covered.id, achievementId: 'first_solve', earnedAt: new Date('2026-02-01T00:00:00Z') },
      ]);
      const x = await insertChallenge(db, { help: 'x' });
      await db.insert(schema.hintUses).values({ userId: covered.id, challengeId: x.id });

      const seen = await solo.as(admin).admin.users.get({ id: covered.id });
      expect(seen).toMatchObject({ currentStreak: 6, bestStreak: 9, freezesHeld: 0, hintsUsed: 1 });
      expect(seen.achievements).toEqual([
        { id: 'first_solve', title: 'First solve', earnedAt: new Date('2026-02-01T00:00:00Z') },
        { id: 'streak_7', title: 'One week', earnedAt: new Date('2026-02-20T00:00:00Z') },
      ]);
      expect(await solo.as(admin).admin.users.get({ id: broken.id })).toMatchObject({
        currentStreak: 0,
        bestStreak: 9,
        freezesHeld: 0,
        hintsUsed: 0,
        achievements: [],
      });
      // The list shows the same streak.
      const listed = await solo.as(admin).admin.users.list({ query: broken.email });
      expect(listed.items).toMatchObject([{ id: broken.id, currentStreak: 0 }]);
    } finally {
      await solo.close();
    }
  });

  it('is for admins only', async () => {
    const user = await api.createUser();
    await expectTrpcError(api.as(user).admin.stats(), 'FORBIDDEN', 'FORBIDDEN');
    await expectTrpcError(api.anonymous().admin.stats(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});
