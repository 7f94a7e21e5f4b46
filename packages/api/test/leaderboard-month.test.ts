import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import type { LeaderboardEntry } from '@skillbytes/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, testClock } from './helpers.ts';
import { awardPoints, expectTrpcError, histograms } from './realtime-fixtures.ts';

/**
 * The `month` window of leaderboard.top / leaderboard.me: points of the calendar month in UTC, kept in
 * monthly_points by the completion's transaction and ranked through monthly_points_histogram. Every test
 * uses its own month, so the global board holds only its users.
 */
type User = Awaited<ReturnType<TestApi['createUser']>>;

const UNCACHED = { leaderboardCacheMs: 0 };
const ranksAndPoints = (entries: LeaderboardEntry[]) => entries.map((e) => [e.rank, e.points]);
const idsRanksPoints = (entries: LeaderboardEntry[]) => entries.map((e) => [e.userId, e.rank, e.points]);

/** Every page of a board, following nextCursor. */
async function allPages(
  api: TestApi,
  user: User,
  input: { window: 'month' | 'week'; groupId?: string },
  limit: number,
) {
  const pages: LeaderboardEntry[][] = [];
  let cursor: string | null | undefined;
  do {
    const page = await api.as(user).leaderboard.top({ ...input, limit, cursor });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

async function expectHistogramsExact(api: TestApi) {
  const h = await histograms(api);
  expect(h.kept).toEqual(h.recounted);
}

const setDeletedAt = (api: TestApi, user: User, deletedAt: Date | null) =>
  api.database.db.update(schema.users).set({ deletedAt }).where(eq(schema.users.id, user.id));

describe('leaderboard month window', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: UNCACHED, clock: testClock(new Date('2026-03-18T10:00:00Z')) });
  });
  afterAll(() => api?.close());

  it("ranks the month's points, ties (1, 2, 2, 4) across keyset pages, leaving out users without points this month", async () => {
    api.clock.set('2026-03-18T10:00:00Z');
    const users: User[] = [];
    for (let i = 0; i < 6; i++) users.push(await api.createUser());
    // Earlier weeks of March count for the month (not the week); February counts for neither.
    await awardPoints(api, users[0]!, 30, new Date('2026-03-02T08:00:00Z'));
    await awardPoints(api, users[1]!, 20);
    await awardPoints(api, users[2]!, 20);
    await awardPoints(api, users[3]!, 4, new Date('2026-03-01T00:00:00Z'));
    await awardPoints(api, users[3]!, 6);
    await awardPoints(api, users[4]!, 10);
    await awardPoints(api, users[5]!, 100, new Date('2026-02-28T23:59:59.999Z'));

    const pages = await allPages(api, users[0]!, { window: 'month' }, 2);
    expect(pages.map(ranksAndPoints)).toEqual([
      [
        [1, 30],
        [2, 20],
      ],
      [
        [2, 20],
        [4, 10],
      ],
      [[4, 10]],
    ]);
    const board = pages.flat();
    expect(new Set(board.map((e) => e.userId))).toEqual(new Set(users.slice(0, 5).map((u) => u.id)));
    expect(board.map((e) => e.userId)).not.toContain(users[5]!.id);
    // The week board of the same instant has neither the first week's 30 nor the 1st's 4.
    const week = (await allPages(api, users[0]!, { window: 'week' }, 10)).flat();
    expect(ranksAndPoints(week)).toEqual([
      [1, 20],
      [1, 20],
      [3, 10],
      [4, 6],
    ]);

    const position = board.findIndex((e) => e.userId === users[2]!.id);
    const second = await api.as(users[2]!).leaderboard.me({ window: 'month' });
    expect(second).toMatchObject({ window: 'month', rank: 2, points: 20 });
    expect(second.above).toEqual(board.slice(Math.max(0, position - 2), position));
    expect(second.below).toEqual(board.slice(position + 1, position + 3));
    const top = await api.as(users[0]!).leaderboard.me({ window: 'month' });
    expect(top).toMatchObject({ rank: 1, points: 30, above: [] });
    expect(top.below).toEqual(board.slice(1, 3));

    const idle = await api.as(users[5]!).leaderboard.me({ window: 'month' });
    expect(idle).toMatchObject({ window: 'month', rank: null, points: 0, below: [] });
    expect(idle.above).toEqual(board.slice(-2));
    await expectHistogramsExact(api);
  });

  it('counts a completion on the last UTC day of a month for that month and one on the 1st for the next', async () => {
    const last = await api.createUser();
    const first = await api.createUser();
    // 23:30 on 31 May in New York is 1 June in UTC: the month is UTC's, like the week.
    const eastern = await api.createUser({ timezone: 'America/New_York' });
    await awardPoints(api, last, 10, new Date('2026-04-30T23:59:59.999Z'));
    await awardPoints(api, first, 5, new Date('2026-05-01T00:00:00.000Z'));
    await awardPoints(api, eastern, 7, new Date('2026-06-01T03:30:00.000Z'));

    api.clock.set('2026-04-30T23:59:59.999Z');
    const april = await api.as(last).leaderboard.top({ window: 'month' });
    expect(idsRanksPoints(april.items)).toEqual([[last.id, 1, 10]]);
    expect(await api.as(first).leaderboard.me({ window: 'month' })).toMatchObject({ rank: null, points: 0 });

    api.clock.set('2026-05-01T00:00:00.000Z');
    const may = await api.as(last).leaderboard.top({ window: 'month' });
    expect(idsRanksPoints(may.items)).toEqual([[first.id, 1, 5]]);
    expect(await api.as(last).leaderboard.me({ window: 'month' })).toMatchObject({ rank: null, points: 0 });
    expect(await api.as(first).leaderboard.me({ window: 'month' })).toMatchObject({ rank: 1, points: 5 });

    api.clock.set('2026-05-31T23:59:59.999Z');
    expect(await api.as(eastern).leaderboard.me({ window: 'month' })).toMatchObject({
      rank: null,
      points: 0,
    });
    api.clock.set('2026-06-01T04:00:00.000Z');
    const june = await api.as(eastern).leaderboard.top({ window: 'month' });
    expect(idsRanksPoints(june.items)).toEqual([[eastern.id, 1, 7]]);

    const rows = await api.database.db
      .select({ monthStart: schema.monthlyPoints.monthStart, points: schema.monthlyPoints.points })
      .from(schema.monthlyPoints)
      .where(eq(schema.monthlyPoints.userId, last.id));
    expect(rows).toEqual([{ monthStart: '2026-04-01', points: 10 }]);
    await expectHistogramsExact(api);
  });

  it('a deleted account vanishes and the ranks close up; restored it is back; hard deleted its rows leave the histogram', async () => {
    api.clock.set('2026-07-10T10:00:00Z');
    const [a, b, c, d] = [
      await api.createUser(),
      await api.createUser(),
      await api.createUser(),
      await api.createUser(),
    ];
    for (const [user, points] of [
      [a, 50],
      [b, 40],
      [c, 40],
      [d, 10],
    ] as const) {
      await awardPoints(api, user!, points);
    }
    const board = async () => ranksAndPoints((await api.as(d!).leaderboard.top({ window: 'month' })).items);
    expect(await board()).toEqual([
      [1, 50],
      [2, 40],
      [2, 40],
      [4, 10],
    ]);

    await setDeletedAt(api, a!, api.clock.now());
    expect(await board()).toEqual([
      [1, 40],
      [1, 40],
      [3, 10],
    ]);
    expect(await api.as(d!).leaderboard.me({ window: 'month' })).toMatchObject({ rank: 3, points: 10 });
    expect((await api.as(d!).leaderboard.top({ window: 'month' })).items.map((e) => e.userId)).not.toContain(
      a!.id,
    );
    await expectTrpcError(api.as(a!).leaderboard.me({ window: 'month' }), 'NOT_FOUND', 'USER_NOT_FOUND');
    await expectHistogramsExact(api);

    await setDeletedAt(api, a!, null);
    expect(await board()).toEqual([
      [1, 50],
      [2, 40],
      [2, 40],
      [4, 10],
    ]);
    await expectHistogramsExact(api);

    await api.database.db.delete(schema.users).where(eq(schema.users.id, c!.id));
    expect(await board()).toEqual([
      [1, 50],
      [2, 40],
      [3, 10],
    ]);
    await expectHistogramsExact(api);
  });

  it('keeps monthly totals and the histogram exact under concurrent completions and deletions', async () => {
    api.clock.set('2026-08-12T10:00:00Z');
    const users: User[] = [];
    for (let i = 0; i < 6; i++) users.push(await api.createUser());
    const [gone, back] = [users[4]!, users[5]!];
    await awardPoints(api, back, 3);
    await setDeletedAt(api, back, api.clock.now());
    await Promise.all([
      ...users.flatMap((user) => [1, 2, 3, 4].map((points) => awardPoints(api, user, points))),
      setDeletedAt(api, gone, api.clock.now()),
      setDeletedAt(api, back, null),
    ]);
    const totals = await api.database.db
      .select({ userId: schema.monthlyPoints.userId, points: schema.monthlyPoints.points })
      .from(schema.monthlyPoints)
      .where(eq(schema.monthlyPoints.monthStart, '2026-08-01'));
    expect(new Map(totals.map((t) => [t.userId, t.points]))).toEqual(
      new Map(users.map((u) => [u.id, u.id === back.id ? 13 : 10])),
    );
    expect(ranksAndPoints((await api.as(users[0]!).leaderboard.top({ window: 'month' })).items)).toEqual([
      [1, 13],
      [2, 10],
      [2, 10],
      [2, 10],
      [2, 10],
    ]);
    await expectHistogramsExact(api);
  });

  it('rejects a forged cursor on the month board', async () => {
    const user = await api.createUser();
    const forged = Buffer.from(JSON.stringify([-1, user.id])).toString('base64url');
    await expectTrpcError(
      api.as(user).leaderboard.top({ window: 'month', cursor: forged }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});

describe('leaderboard month window on a group board', () => {
  let api: TestApi;
  let owner: User;
  let members: User[];
  let outsider: User;
  let groupId: string;
  beforeAll(async () => {
    api = await createTestApi({ config: UNCACHED, clock: testClock(new Date('2026-03-25T12:00:00Z')) });
    owner = await api.createUser();
    const group = await api.as(owner).groups.create({ name: 'monthly league' });
    groupId = group.id;
    members = [];
    for (let i = 0; i < 5; i++) {
      const m = await api.createUser();
      await api.as(m).groups.join({ inviteCode: group.inviteCode });
      members.push(m);
    }
    // March (earlier weeks too) counts; February does not; the outsider is never on the board.
    await awardPoints(api, owner, 40, new Date('2026-03-03T09:00:00Z'));
    await awardPoints(api, members[0]!, 50);
    await awardPoints(api, members[1]!, 40);
    await awardPoints(api, members[2]!, 25, new Date('2026-03-01T00:00:00Z'));
    await awardPoints(api, members[3]!, 500, new Date('2026-02-28T23:59:59Z'));
    await awardPoints(api, members[4]!, 10, new Date('2026-03-31T23:59:59Z'));
    outsider = await api.createUser();
    await awardPoints(api, outsider, 1000);
  });
  afterAll(() => api?.close());

  it("ranks the members' points this month, ties sharing a rank, in keyset pages", async () => {
    const pages = await allPages(api, owner, { window: 'month', groupId }, 2);
    expect(pages.map(ranksAndPoints)).toEqual([
      [
        [1, 50],
        [2, 40],
      ],
      [
        [2, 40],
        [4, 25],
      ],
      [[5, 10]],
    ]);
    const ids = pages.flat().map((e) => e.userId);
    expect(ids).not.toContain(outsider.id);
    expect(ids).not.toContain(members[3]!.id);
  });

  it('leaderboard.me ranks within the group this month, and a member without points this month is unranked', async () => {
    const me = await api.as(members[2]!).leaderboard.me({ window: 'month', groupId });
    expect(me).toMatchObject({ window: 'month', rank: 4, points: 25 });
    expect(ranksAndPoints(me.above)).toEqual([
      [2, 40],
      [2, 40],
    ]);
    expect(ranksAndPoints(me.below)).toEqual([[5, 10]]);
    const idle = await api.as(members[3]!).leaderboard.me({ window: 'month', groupId });
    expect(idle).toMatchObject({ rank: null, points: 0, below: [] });
    expect(ranksAndPoints(idle.above)).toEqual([
      [4, 25],
      [5, 10],
    ]);
  });

  it('a deleted member vanishes from the monthly group board and the ranks close up', async () => {
    await setDeletedAt(api, members[0]!, api.clock.now());
    const page = await api.as(owner).leaderboard.top({ window: 'month', groupId });
    expect(ranksAndPoints(page.items)).toEqual([
      [1, 40],
      [1, 40],
      [3, 25],
      [4, 10],
    ]);
    await setDeletedAt(api, members[0]!, null);
  });

  it('is NOT_FOUND for a non-member and for an unknown group', async () => {
    await expectTrpcError(
      api.as(outsider).leaderboard.top({ window: 'month', groupId }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(outsider).leaderboard.me({ window: 'month', groupId }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(owner).leaderboard.me({ window: 'month', groupId: randomUUID() }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
  });
});

describe('the first page of the month board', () => {
  let api: TestApi;
  beforeAll(async () => {
    // Monday 1 June 2026: the week and the month start on the same day, so only the window tells
    // their held first pages apart.
    api = await createTestApi({
      config: { leaderboardCacheMs: 60_000 },
      clock: testClock(new Date('2026-06-03T12:00:00Z')),
    });
  });
  afterAll(() => api?.close());

  it('is held per window and per month: the week, the month and the next month never share a page', async () => {
    const later = await api.createUser();
    const now = await api.createUser();
    await awardPoints(api, later, 10, new Date('2026-06-20T12:00:00Z')); // this month, a later week
    await awardPoints(api, now, 5);
    const read = async (window: 'all' | 'week' | 'month') =>
      idsRanksPoints((await api.as(now).leaderboard.top({ window, limit: 5 })).items);
    expect(await read('week')).toEqual([[now.id, 1, 5]]);
    expect(await read('month')).toEqual([
      [later.id, 1, 10],
      [now.id, 2, 5],
    ]);
    expect(await read('week')).toEqual([[now.id, 1, 5]]);
    // Nothing paid since: a new month is a new key, not the held June page.
    api.clock.set('2026-07-01T00:00:00Z');
    expect(await read('month')).toEqual([]);
  });
});
