import { schema } from '@skillbytes/db';
import type { LeaderboardEntry } from '@skillbytes/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, testClock } from './helpers.ts';
import { awardPoints, expectTrpcError, histograms } from './realtime-fixtures.ts';

/** These tests write the board in SQL behind the API's back; test/leaderboard-first-pages.test.ts covers the cache. */
const UNCACHED = { leaderboardCacheMs: 0 };

type User = Awaited<ReturnType<TestApi['createUser']>>;

/** Every page of a window, following nextCursor. */
async function allPages(api: TestApi, user: User, window: 'all' | 'week', limit: number) {
  const pages: LeaderboardEntry[][] = [];
  let cursor: string | null | undefined;
  do {
    const page = await api.as(user).leaderboard.top({ window, limit, cursor });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

const ranksAndPoints = (entries: LeaderboardEntry[]) => entries.map((e) => [e.rank, e.points]);

// Monday 2026-03-02 is the start of the clock's week.
const MONDAY = '2026-03-02T00:00:00Z';

describe('leaderboard.top, all time', () => {
  let api: TestApi;
  let users: User[];
  beforeAll(async () => {
    api = await createTestApi({ config: UNCACHED, clock: testClock(new Date('2026-03-04T12:00:00Z')) });
    users = [];
    for (const points of [50, 40, 40, 30, 30, 30, 10, 0]) {
      const user = await api.createUser();
      if (points) await awardPoints(api, user, points);
      users.push(user);
    }
  });
  afterAll(() => api?.close());

  it('ranks ties together (1, 2, 2, 4) across page boundaries, every user exactly once', async () => {
    const pages = await allPages(api, users[0]!, 'all', 2);
    expect(pages.map(ranksAndPoints)).toEqual([
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
        [4, 30],
      ],
      [
        [7, 10],
        [8, 0],
      ],
    ]);
    const ids = pages.flat().map((e) => e.userId);
    expect(new Set(ids).size).toBe(users.length);
    expect(new Set(ids)).toEqual(new Set(users.map((u) => u.id)));
  });

  it('orders ties by user id, so a page boundary inside a tie neither repeats nor skips anyone', async () => {
    const pages = await allPages(api, users[0]!, 'all', 1);
    const thirty = pages.flat().filter((e) => e.points === 30);
    expect(thirty.map((e) => e.userId)).toEqual([...thirty.map((e) => e.userId)].sort());
  });

  it('shows usernames, a stable name for users without one, and never an email', async () => {
    const anonymous = await api.createUser({ username: null });
    await awardPoints(api, anonymous, 45);
    const page = await api.as(users[0]!).leaderboard.top({ window: 'all', limit: 3 });
    expect(page.items[1]).toMatchObject({
      userId: anonymous.id,
      username: `player-${anonymous.id.slice(0, 8)}`,
      rank: 2,
    });
    expect(page.items[0]!.username).toBe(users[0]!.username);
    expect(JSON.stringify(page)).not.toContain('@');
    expect(Object.keys(page.items[0]!).sort()).toEqual(['points', 'rank', 'userId', 'username']);
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, anonymous.id));
  });

  it('leaves deleted accounts out of entries and ranks, and brings them back on restore', async () => {
    const top = users[0]!;
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, top.id));
    const viewer = users[7]!;
    const page = await api.as(viewer).leaderboard.top({ window: 'all', limit: 3 });
    expect(page.items.map((e) => e.userId)).not.toContain(top.id);
    expect(ranksAndPoints(page.items)).toEqual([
      [1, 40],
      [1, 40],
      [3, 30],
    ]);
    await api.database.db.update(schema.users).set({ deletedAt: null }).where(eq(schema.users.id, top.id));
    expect(ranksAndPoints((await api.as(viewer).leaderboard.top({ window: 'all', limit: 1 })).items)).toEqual(
      [[1, 50]],
    );
  });

  it('rejects forged cursors, bad windows and limits, and signed-out callers', async () => {
    const as = api.as(users[0]!);
    await expectTrpcError(as.leaderboard.top({ cursor: 'bm9wZQ' }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    const forged = Buffer.from(JSON.stringify([-1, users[0]!.id])).toString('base64url');
    await expectTrpcError(as.leaderboard.top({ cursor: forged }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectTrpcError(
      as.leaderboard.top({ window: 'year' as never }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(as.leaderboard.top({ limit: 0 }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectTrpcError(as.leaderboard.top({ limit: 101 }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectTrpcError(api.anonymous().leaderboard.top({}), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectTrpcError(api.anonymous().leaderboard.me({}), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });

  it('keeps the histograms equal to a recount of users and weekly points', async () => {
    const h = await histograms(api);
    expect(h.kept).toEqual(h.recounted);
  });
});

describe('leaderboard.me', () => {
  let api: TestApi;
  let users: User[];
  beforeAll(async () => {
    api = await createTestApi({ config: UNCACHED, clock: testClock(new Date('2026-03-04T12:00:00Z')) });
    users = [];
    for (const points of [90, 80, 70, 70, 60, 50, 0]) {
      const user = await api.createUser();
      if (points) await awardPoints(api, user, points);
      users.push(user);
    }
  });
  afterAll(() => api?.close());

  it('gives own rank and points with the two entries above and below, in board order', async () => {
    const board = (await api.as(users[0]!).leaderboard.top({ window: 'all', limit: 100 })).items;
    const position = board.findIndex((e) => e.points === 70);
    const me = board[position]!;
    const user = users.find((u) => u.id === me.userId)!;
    const result = await api.as(user).leaderboard.me({ window: 'all' });
    expect(result).toMatchObject({ window: 'all', rank: 3, points: 70, username: user.username });
    expect(result.above).toEqual(board.slice(position - 2, position));
    expect(result.below).toEqual(board.slice(position + 1, position + 3));
  });

  it('has nobody above the leader and nobody below the last', async () => {
    const first = await api.as(users[0]!).leaderboard.me({ window: 'all' });
    expect(first).toMatchObject({ rank: 1, points: 90, above: [] });
    expect(first.below.map((e) => e.rank)).toEqual([2, 3]);
    const last = await api.as(users[6]!).leaderboard.me({ window: 'all' });
    expect(last).toMatchObject({ rank: 7, points: 0, below: [] });
    expect(last.above.map((e) => e.points)).toEqual([60, 50]);
  });

  it('does not rank a user without points this week, and shows the last ranked entries above', async () => {
    const idle = users[6]!;
    const result = await api.as(idle).leaderboard.me({ window: 'week' });
    expect(result).toMatchObject({ window: 'week', rank: null, points: 0, below: [] });
    expect(result.above.map((e) => [e.rank, e.points])).toEqual([
      [5, 60],
      [6, 50],
    ]);
  });

  it('answers USER_NOT_FOUND for a deleted account', async () => {
    const gone = await api.createUser({ deletedAt: api.clock.now() });
    await expectTrpcError(api.as(gone).leaderboard.me({ window: 'all' }), 'NOT_FOUND', 'USER_NOT_FOUND');
  });
});

describe('leaderboard week window', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: UNCACHED, clock: testClock(new Date(MONDAY)) });
  });
  afterAll(() => api?.close());

  it('counts points from Monday 00:00 UTC: Sunday 23:59 belongs to the week before', async () => {
    const sunday = await api.createUser();
    const monday = await api.createUser();
    await awardPoints(api, sunday, 10, new Date('2026-03-08T23:59:59.999Z'));
    await awardPoints(api, monday, 5, new Date('2026-03-09T00:00:00.000Z'));

    api.clock.set('2026-03-08T23:59:59.999Z');
    const lastWeek = await api.as(sunday).leaderboard.top({ window: 'week' });
    expect(lastWeek.items.map((e) => [e.userId, e.rank, e.points])).toEqual([[sunday.id, 1, 10]]);

    api.clock.set('2026-03-09T00:00:00.000Z');
    const thisWeek = await api.as(sunday).leaderboard.top({ window: 'week' });
    expect(thisWeek.items.map((e) => [e.userId, e.rank, e.points])).toEqual([[monday.id, 1, 5]]);
    expect(await api.as(sunday).leaderboard.me({ window: 'week' })).toMatchObject({ rank: null, points: 0 });
    expect(await api.as(monday).leaderboard.me({ window: 'week' })).toMatchObject({ rank: 1, points: 5 });
    // All time counts both.
    const allTime = await api.as(sunday).leaderboard.top({ window: 'all' });
    expect(allTime.items.slice(0, 2).map((e) => [e.userId, e.points])).toEqual([
      [sunday.id, 10],
      [monday.id, 5],
    ]);
  });

  it('ranks weekly ties (1, 2, 2, 4) across page boundaries and leaves out users without weekly points', async () => {
    api.clock.set('2026-03-18T10:00:00Z');
    const users: User[] = [];
    for (const points of [30, 20, 20, 10, 10, 0]) {
      const user = await api.createUser();
      if (points) await awardPoints(api, user, points);
      users.push(user);
    }
    // Points from an earlier week count all time, not this week.
    await awardPoints(api, users[5]!, 100, new Date('2026-03-10T10:00:00Z'));
    const pages = await allPages(api, users[0]!, 'week', 2);
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
    expect(pages.flat().map((e) => e.userId)).not.toContain(users[5]!.id);
    const board = pages.flat();
    const position = board.findIndex((e) => e.userId === users[2]!.id);
    const second = await api.as(users[2]!).leaderboard.me({ window: 'week' });
    expect(second).toMatchObject({ rank: 2, points: 20 });
    expect(second.above).toEqual(board.slice(Math.max(0, position - 2), position));
    expect(second.below).toEqual(board.slice(position + 1, position + 3));
  });

  it('adds weekly points of one week together', async () => {
    api.clock.set('2026-03-25T10:00:00Z');
    const user = await api.createUser();
    await awardPoints(api, user, 7, new Date('2026-03-23T00:00:00Z'));
    await awardPoints(api, user, 8, new Date('2026-03-29T23:59:59Z'));
    expect(await api.as(user).leaderboard.me({ window: 'week' })).toMatchObject({ rank: 1, points: 15 });
  });

  it('leaves a deleted account out of the weekly board and its ranks', async () => {
    api.clock.set('2026-04-01T10:00:00Z');
    const a = await api.createUser();
    const b = await api.createUser();
    await awardPoints(api, a, 50);
    await awardPoints(api, b, 40);
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, a.id));
    expect(await api.as(b).leaderboard.me({ window: 'week' })).toMatchObject({
      rank: 1,
      points: 40,
      above: [],
    });
    expect((await api.as(b).leaderboard.top({ window: 'week' })).items.map((e) => e.userId)).toEqual([b.id]);
    const h = await histograms(api);
    expect(h.kept).toEqual(h.recounted);
  });
});
