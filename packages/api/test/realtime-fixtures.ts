import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import type { LeaderboardChange, Role } from '@skillbytes/shared';
import { sql } from 'drizzle-orm';
import { recordSubmission } from '../src/challenges/submit.ts';
import { type Caller, createContextInner } from '../src/context.ts';
import { appRouter } from '../src/root.ts';
import { createCallerFactory } from '../src/trpc.ts';
import type { TestApi } from './helpers.ts';

const createCaller = createCallerFactory(appRouter);
let challengeCounter = 0;

/**
 * Pays `points` to `user` the way a first accepted submission does (the challenges domain's
 * `recordSubmission`: completion, users.points, weekly_points, monthly_points, `points.changed`, one
 * transaction), for a fresh challenge worth that much.
 */
export async function awardPoints(
  api: TestApi,
  user: { id: string },
  points: number,
  at: Date = api.clock.now(),
) {
  challengeCounter += 1;
  const [challenge] = await api.database.db
    .insert(schema.challenges)
    .values({
      slug: `award-${randomUUID().slice(0, 8)}-${challengeCounter}`,
      title: `Award ${challengeCounter}`,
      summary: 'test',
      description: 'test',
      difficulty: 'easy',
      points,
      functionName: 'f',
      tests: [{ input: [], expectedOutput: null }],
      status: 'published',
    })
    .returning({ id: schema.challenges.id });
  return recordSubmission(api.services, {
    userId: user.id,
    challengeId: challenge!.id,
    points,
    code: 'function f() { return null; }',
    language: 'javascript',
    verdict: { status: 'accepted', passed: 1, total: 1 },
    seed: null,
    judgeVersion: 'test',
    durationMs: 1,
    at,
  });
}

export { expectTrpcError } from './trpc-errors.ts';

/** A caller for `user` whose subscriptions stop when `signal` aborts (what closing an SSE stream does). */
export function callerWithSignal(
  api: TestApi,
  user: { id: string; role: Role },
  signal: AbortSignal,
  caller: Partial<Caller> = {},
) {
  return createCaller(
    createContextInner({
      services: api.services,
      caller: {
        kind: 'session',
        userId: user.id,
        role: user.role,
        sessionId: randomUUID(),
        ...caller,
      } as Caller,
    }),
    { signal },
  );
}

/**
 * Collects what an async iterable yields in the background. `take(n)` waits for the first n items,
 * `settle(ms)` waits a while and returns everything so far, `close()` aborts the subscription.
 */
export function collect<T>(open: (signal: AbortSignal) => Promise<AsyncIterable<T>>) {
  const controller = new AbortController();
  const items: T[] = [];
  let error: unknown;
  let isDone = false;
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const w of waiters) w();
  };
  const running = (async () => {
    try {
      for await (const item of await open(controller.signal)) {
        items.push(item);
        wakeAll();
      }
    } catch (e) {
      error = e;
    } finally {
      isDone = true;
      wakeAll();
    }
  })();
  const until = (predicate: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate()) {
          cleanup();
          resolve();
        } else if (isDone) {
          cleanup();
          reject(new Error(`stream ended before ${what} (got ${items.length}): ${String(error)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what} (got ${items.length})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    items,
    get error() {
      return error;
    },
    get isDone() {
      return isDone;
    },
    async take(n: number, timeoutMs = 5000) {
      await until(() => items.length >= n, timeoutMs, `${n} items`);
      return items.slice(0, n);
    },
    async ended(timeoutMs = 5000) {
      await until(() => isDone, timeoutMs, 'the end of the stream');
      return error;
    },
    async settle(ms = 300) {
      await new Promise((r) => setTimeout(r, ms));
      return [...items];
    },
    async close() {
      controller.abort();
      await running;
    },
  };
}

/** Waits until this many streams hold a slot in the process (a stream subscribes as it takes one). */
export async function openStreams(api: TestApi, n: number) {
  const deadline = Date.now() + 10_000;
  while (api.services.streams.open !== n) {
    if (Date.now() > deadline)
      throw new Error(`expected ${n} open streams, have ${api.services.streams.open}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Waits until this process's bus has delivered every event committed so far. Delivery follows commit
 * with a lag (NOTIFY), and a stream hears what is delivered after it subscribed: a test that counts a
 * stream's events opens it after this, or it may also hear the tail of what came before. Events are
 * delivered in id order, so a marker committed now arriving means all before it did; the marker is
 * for nobody (a session revocation of a user who does not exist).
 */
export async function busCaughtUp(api: TestApi) {
  const bus = api.services.events;
  const nobody = randomUUID();
  let unsubscribe = () => {};
  const arrived = new Promise<void>((resolve) => {
    unsubscribe = bus.subscribe((event) => {
      if (event.userId === nobody) resolve();
    });
  });
  await api.database.db.transaction((tx) =>
    bus.publish(tx, { type: 'session.revoked', userId: nobody, payload: { sessionIds: [] } }),
  );
  await arrived;
  unsubscribe();
}

/** What a subscription yields through a caller: tRPC's tracked envelope `[id, data]`. */
export type Tracked<T> = readonly [string, T, ...unknown[]];

/** `leaderboard.onChange` of `user` through the router, collected. */
export function leaderboardTicks(api: TestApi, user: { id: string; role: Role }, lastEventId?: string) {
  return collect<Tracked<LeaderboardChange>>(
    (signal) =>
      callerWithSignal(api, user, signal).leaderboard.onChange(
        lastEventId ? { lastEventId } : undefined,
      ) as Promise<AsyncIterable<Tracked<LeaderboardChange>>>,
  );
}

/** The histogram rows as the triggers keep them, and as they should be, recounted from scratch. */
export async function histograms(api: TestApi) {
  const q = async (query: ReturnType<typeof sql>) =>
    (await api.database.db.execute<{ k: string; n: number | string }>(query)).rows
      .map((r) => `${r.k}:${Number(r.n)}`)
      .sort();
  return {
    kept: {
      all: await q(sql`select points::text as k, users as n from points_histogram where users <> 0`),
      week: await q(
        sql`select week_start::text || '/' || points as k, users as n from weekly_points_histogram where users <> 0`,
      ),
      month: await q(
        sql`select month_start::text || '/' || points as k, users as n from monthly_points_histogram where users <> 0`,
      ),
    },
    recounted: {
      all: await q(
        sql`select points::text as k, count(*) as n from users where deleted_at is null and points > 0 group by points`,
      ),
      week: await q(sql`select w.week_start::text || '/' || w.points as k, count(*) as n
        from weekly_points w join users u on u.id = w.user_id
        where u.deleted_at is null and w.points > 0 group by w.week_start, w.points`),
      month: await q(sql`select m.month_start::text || '/' || m.points as k, count(*) as n
        from monthly_points m join users u on u.id = m.user_id
        where u.deleted_at is null and m.points > 0 group by m.month_start, m.points`),
    },
  };
}
