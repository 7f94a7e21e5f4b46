import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './helpers.ts';
import { awardPoints } from './realtime-fixtures.ts';

/**
 * leaderboard.top's first page is held per process for LEADERBOARD_CACHE_MS (leaderboard/first-pages.ts):
 * a payment drops it at once, in this process and, through the event bus, in every other.
 */
type User = Awaited<ReturnType<TestApi['createUser']>>;

/**
 * Publishes a points event and waits until the bus delivers it: events arrive in commit order, so every
 * earlier one (a payment of an earlier test, announced asynchronously on PostgreSQL) has arrived too.
 */
async function settle(api: TestApi, userId: string) {
  const delivered = new Promise<void>((resolve) => {
    const stop = api.services.events.subscribe((event) => {
      if (event.type === 'points.changed' && event.userId === userId) {
        stop();
        resolve();
      }
    });
  });
  await api.database.db.transaction((tx) =>
    api.services.events.publish(tx, { type: 'points.changed', userId, payload: { points: 0, delta: 0 } }),
  );
  await delivered;
}

describe('the first page of leaderboard.top', () => {
  let api: TestApi;
  let users: User[];
  beforeAll(async () => {
    api = await createTestApi({ config: { leaderboardCacheMs: 60_000 } });
    users = [];
    for (const points of [30, 20, 10]) {
      const user = await api.createUser();
      await awardPoints(api, user, points);
      users.push(user);
    }
  });
  afterAll(() => api?.close());

  const top = (limit = 3, cursor?: string | null) =>
    api.as(users[0]!).leaderboard.top({ window: 'all', limit, cursor });
  const points = (page: Awaited<ReturnType<typeof top>>) => page.items.map((e) => e.points);

  it('is held: a change no event announces (a rename in SQL) does not show within the lifetime', async () => {
    await settle(api, users[0]!.id);
    const before = await top();
    await api.database.db
      .update(schema.users)
      .set({ username: 'renamed' })
      .where(eq(schema.users.id, users[0]!.id));
    expect((await top()).items).toEqual(before.items);
  });

  it('a payment in this process shows on the very next read', async () => {
    await settle(api, users[0]!.id);
    await top();
    await awardPoints(api, users[2]!, 25);
    expect(points(await top())).toEqual([30, 35, 20].sort((a, b) => b - a));
  });

  it("another process's payment shows once its event arrives", async () => {
    await settle(api, users[0]!.id);
    const held = await top();
    await api.database.db.update(schema.users).set({ points: 99 }).where(eq(schema.users.id, users[1]!.id));
    expect(points(await top())).toEqual(points(held));
    // What another process's payment leaves behind: its event, committed after its rows (written above).
    await settle(api, users[1]!.id);
    expect(points(await top())[0]).toBe(99);
  });

  it('each page size is its own page, and pages after a cursor are read every time', async () => {
    const first = await top(1);
    expect(first.items).toHaveLength(1);
    await api.database.db
      .update(schema.users)
      .set({ username: 'second-renamed' })
      .where(eq(schema.users.id, users[2]!.id));
    const next = await top(1, first.nextCursor);
    const fresh = await api.database.db
      .select({ username: schema.users.username })
      .from(schema.users)
      .where(eq(schema.users.id, next.items[0]!.userId));
    expect(next.items[0]!.username).toBe(fresh[0]!.username);
  });
});

describe('with a short lifetime', () => {
  let api: TestApi;
  let user: User;
  beforeAll(async () => {
    api = await createTestApi({ config: { leaderboardCacheMs: 50 } });
    user = await api.createUser();
    await awardPoints(api, user, 10);
  });
  afterAll(() => api?.close());

  it('a change no event announces shows once the lifetime is over', async () => {
    await api.as(user).leaderboard.top({ window: 'all' });
    await api.database.db
      .update(schema.users)
      .set({ username: 'late-rename' })
      .where(eq(schema.users.id, user.id));
    await new Promise((resolve) => setTimeout(resolve, 120));
    const page = await api.as(user).leaderboard.top({ window: 'all' });
    expect(page.items[0]!.username).toBe('late-rename');
  });
});
