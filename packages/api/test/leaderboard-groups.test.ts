import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import type { LeaderboardEntry } from '@skillbytes/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, testClock } from './helpers.ts';
import { awardPoints, expectTrpcError } from './realtime-fixtures.ts';

/** leaderboard.top / leaderboard.me with a groupId: a private league's board, members only. */
type User = Awaited<ReturnType<TestApi['createUser']>>;
let api: TestApi;
let owner: User;
let members: User[];
let outsider: User;
let groupId: string;

const rankPoints = (entries: LeaderboardEntry[]) => entries.map((e) => [e.rank, e.points]);

beforeAll(async () => {
  api = await createTestApi({
    config: { leaderboardCacheMs: 60_000 },
    clock: testClock(new Date('2026-03-04T12:00:00Z')),
  });
  owner = await api.createUser();
  await awardPoints(api, owner, 40);
  const group = await api.as(owner).groups.create({ name: 'league' });
  groupId = group.id;
  members = [];
  for (const points of [50, 40, 30, 30, 10, 0]) {
    const m = await api.createUser();
    if (points) await awardPoints(api, m, points);
    await api.as(m).groups.join({ inviteCode: group.inviteCode });
    members.push(m);
  }
  // Outside the group, with more points than anyone in it: never on its board, never in its ranks.
  outsider = await api.createUser();
  await awardPoints(api, outsider, 1000);
});
afterAll(() => api?.close());

async function allPages(user: User, window: 'all' | 'week', limit: number) {
  const pages: LeaderboardEntry[][] = [];
  let cursor: string | null | undefined;
  do {
    const page = await api.as(user).leaderboard.top({ window, groupId, limit, cursor });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('group boards', () => {
  it('rank only the members, ties sharing a rank, in keyset pages through ties', async () => {
    const pages = await allPages(owner, 'all', 2);
    expect(pages.map(rankPoints)).toEqual([
      [
        [1, 50],
        [2, 40],
      ],
      [
        [2, 40],
        [4, 30],
      ],
      [
        [4, 30],
        [6, 10],
      ],
      [[7, 0]],
    ]);
    const ids = pages.flat().map((e) => e.userId);
    expect(new Set(ids).size).toBe(7);
    expect(ids).not.toContain(outsider.id);
  });

  it('the weekly group board ranks members with points this week only', async () => {
    const page = await api.as(owner).leaderboard.top({ window: 'week', groupId });
    expect(rankPoints(page.items)).toEqual([
      [1, 50],
      [2, 40],
      [2, 40],
      [4, 30],
      [4, 30],
      [6, 10],
    ]);
  });

  it('leaderboard.me ranks the caller within the group, with neighbours from the group', async () => {
    // A unique total, so the neighbours do not depend on how ids order a tie.
    const me = await api.as(members[4]!).leaderboard.me({ groupId });
    expect(me).toMatchObject({ rank: 6, points: 10 });
    expect(rankPoints(me.above)).toEqual([
      [4, 30],
      [4, 30],
    ]);
    expect(rankPoints(me.below)).toEqual([[7, 0]]);
    const zero = await api.as(members[5]!).leaderboard.me({ window: 'week', groupId });
    expect(zero).toMatchObject({ rank: null, points: 0, below: [] });
    expect(rankPoints(zero.above)).toEqual([
      [4, 30],
      [6, 10],
    ]);
  });

  it('is NOT_FOUND for a non-member and for a group that does not exist', async () => {
    await expectTrpcError(api.as(outsider).leaderboard.top({ groupId }), 'NOT_FOUND', 'GROUP_NOT_FOUND');
    await expectTrpcError(api.as(outsider).leaderboard.me({ groupId }), 'NOT_FOUND', 'GROUP_NOT_FOUND');
    await expectTrpcError(
      api.as(owner).leaderboard.top({ groupId: randomUUID() }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(owner).leaderboard.top({ groupId: 'x' } as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('refuses a forged cursor', async () => {
    await expectTrpcError(api.as(owner).leaderboard.top({ groupId, cursor: 'bm9wZQ' }), 'BAD_REQUEST');
  });

  it('does not share the first-page cache with the global board', async () => {
    const global = await api.as(owner).leaderboard.top({});
    const group = await api.as(owner).leaderboard.top({ groupId });
    expect(global.items[0]!.userId).toBe(outsider.id);
    expect(group.items[0]!.userId).toBe(members[0]!.id);
  });

  it('deleted accounts vanish from the group board, and ranks close up', async () => {
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, members[0]!.id));
    const page = await api.as(owner).leaderboard.top({ groupId });
    expect(page.items.map((e) => e.userId)).not.toContain(members[0]!.id);
    expect(rankPoints(page.items).slice(0, 2)).toEqual([
      [1, 40],
      [1, 40],
    ]);
  });
});
