import { schema } from '@skillbytes/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/helpers.ts';
import { awardPoints, histograms } from '../../test/realtime-fixtures.ts';
import { displayName, leaderboardMe, leaderboardTop } from './ranking.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.close());

describe('displayName', () => {
  it('is the username, or a stable name no username can take', () => {
    expect(displayName('0123abcd-0000-4000-8000-000000000000', 'ada')).toBe('ada');
    expect(displayName('0123abcd-0000-4000-8000-000000000000', null)).toBe('player-0123abcd');
  });
});

describe('ranking under concurrency', () => {
  it('keeps histograms and ranks exact while points are paid and accounts deleted concurrently', async () => {
    const users = await Promise.all(Array.from({ length: 24 }, () => api.createUser()));
    const pointsFor = (i: number, round: number) => ((i * 7 + round * 3) % 5) * 10 + 10;
    const deleteOrRestore = async (i: number) => {
      const user = users[i]!;
      await api.database.db
        .update(schema.users)
        .set({ deletedAt: i % 2 ? api.clock.now() : null })
        .where(eq(schema.users.id, user.id));
    };
    // Several payments to the same user run at once too: they must serialise on the user, not deadlock.
    await Promise.all([
      ...users.flatMap((user, i) => [0, 1, 2].map((round) => awardPoints(api, user, pointsFor(i, round)))),
      ...[3, 4, 5, 8, 9].map(deleteOrRestore),
    ]);

    const h = await histograms(api);
    expect(h.kept).toEqual(h.recounted);

    const expected = await api.database.db.execute<{ id: string; rank: number | string }>(sql`
      select id, rank() over (order by points desc) as rank from users where deleted_at is null`);
    const expectedRank = new Map(expected.rows.map((r) => [r.id, Number(r.rank)]));
    const page = await leaderboardTop(api.service(), { window: 'all', limit: 100 });
    expect(page.items).toHaveLength(expectedRank.size);
    for (const entry of page.items) expect(entry.rank).toBe(expectedRank.get(entry.userId));

    const weekly = await api.database.db.execute<{ id: string; rank: number | string }>(sql`
      select w.user_id as id, rank() over (order by w.points desc) as rank
      from weekly_points w join users u on u.id = w.user_id
      where u.deleted_at is null and w.points > 0 and w.week_start = '2026-03-02'`);
    const weekPage = await leaderboardTop(api.service(), { window: 'week', limit: 100 });
    expect(weekPage.items.map((e) => [e.userId, e.rank]).sort()).toEqual(
      weekly.rows.map((r) => [r.id, Number(r.rank)]).sort(),
    );

    for (const user of users.filter((_, i) => ![3, 5, 9].includes(i))) {
      const me = await leaderboardMe(api.service({ id: user.id, role: 'user' }), { window: 'all' });
      expect(me.rank).toBe(expectedRank.get(user.id));
    }
  });
});
