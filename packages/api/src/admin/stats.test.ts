import { schema } from '@skillbytes/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, testClock } from '../../test/helpers.ts';
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

  it('is for admins only', async () => {
    const user = await api.createUser();
    await expectTrpcError(api.as(user).admin.stats(), 'FORBIDDEN', 'FORBIDDEN');
    await expectTrpcError(api.anonymous().admin.stats(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});
