import { randomUUID } from 'node:crypto';
import type { InboxItem, LeaderboardChange } from '@skillbytes/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './helpers.ts';
import {
  awardPoints,
  callerWithSignal,
  collect,
  expectTrpcError,
  leaderboardTicks,
  type Tracked,
} from './realtime-fixtures.ts';

type User = Awaited<ReturnType<TestApi['createUser']>>;

let api: TestApi;
let admin: User;
beforeAll(async () => {
  api = await createTestApi();
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

function onMessage(user: User, lastEventId?: string, sessionId?: string) {
  return collect<Tracked<InboxItem>>(
    (signal) =>
      callerWithSignal(api, user, signal, sessionId ? { sessionId } : {}).inbox.onMessage(
        lastEventId ? { lastEventId } : undefined,
      ) as Promise<AsyncIterable<Tracked<InboxItem>>>,
  );
}

const onChange = (user: User, lastEventId?: string) => leaderboardTicks(api, user, lastEventId);

const send = (content: string, to: object = { everyone: true }) => {
  api.clock.advance(1000);
  return api.as(admin).inbox.send({ content, to } as never);
};
const contentOf = (items: Tracked<InboxItem>[]) => items.map(([, item]) => item.content);

describe('inbox.onMessage', () => {
  it('delivers broadcasts to every subscriber and a direct message to its recipient only', async () => {
    const alice = await api.createUser();
    const bob = await api.createUser();
    const a = onMessage(alice);
    const b = onMessage(bob);
    await Promise.all([a.settle(50), b.settle(50)]);
    const broadcast = await send('hello all');
    await send('psst alice', { userId: alice.id });
    await send('hello again');

    const forAlice = await a.take(3);
    expect(contentOf(forAlice)).toEqual(['hello all', 'psst alice', 'hello again']);
    expect(forAlice[0]![1]).toEqual({
      id: broadcast.id,
      content: 'hello all',
      icon: '📢',
      bannerColor: '#2821fc',
      createdAt: broadcast.createdAt,
      isBroadcast: true,
      isRead: false,
    });
    expect(forAlice[1]![1]).toMatchObject({ isBroadcast: false });
    expect(contentOf(await b.take(2))).toEqual(['hello all', 'hello again']);
    expect(contentOf(await b.settle(100))).toEqual(['hello all', 'hello again']);
    // Each message is tracked by its event id, increasing.
    const ids = forAlice.map(([id]) => Number(id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    await Promise.all([a.close(), b.close()]);
  });

  it('resumes from lastEventId with exactly what was missed, leaving out what the user deleted meanwhile', async () => {
    const alice = await api.createUser();
    const first = onMessage(alice);
    await first.settle(50);
    await send('seen live');
    const [[lastId]] = (await first.take(1)) as [Tracked<InboxItem>];
    await first.close();

    await send('missed 1');
    const deleted = await send('missed then deleted', { userId: alice.id });
    await send('for someone else', { userId: admin.id });
    await send('missed 2', { userId: alice.id });
    await api.as(alice).inbox.delete({ id: deleted.id });

    const resumed = onMessage(alice, lastId);
    expect(contentOf(await resumed.take(2))).toEqual(['missed 1', 'missed 2']);
    await send('live after resume');
    expect(contentOf(await resumed.take(3))).toEqual(['missed 1', 'missed 2', 'live after resume']);
    expect(await resumed.settle(100)).toHaveLength(3);
    await resumed.close();
  });

  it('does not replay broadcasts sent before the account existed', async () => {
    const before = await api.services.events.latestId();
    await send('before the account');
    api.clock.advance(1000);
    const late = await api.createUser();
    const s = onMessage(late, String(before));
    await send('after the account');
    expect(contentOf(await s.take(1))).toEqual(['after the account']);
    expect(await s.settle(100)).toHaveLength(1);
    await s.close();
  });

  it('ends with SESSION_REVOKED when auth revokes the session', async () => {
    const alice = await api.createUser();
    const sessionId = randomUUID();
    const s = onMessage(alice, undefined, sessionId);
    await s.settle(50);
    await api.database.db.transaction((tx) =>
      api.services.events.publish(tx, {
        type: 'session.revoked',
        userId: alice.id,
        payload: { sessionIds: [sessionId] },
      }),
    );
    expect(await s.ended()).toMatchObject({ code: 'UNAUTHORIZED', cause: { appCode: 'SESSION_REVOKED' } });
  });

  it('refuses signed-out callers and malformed event ids', async () => {
    await expectTrpcError(api.anonymous().inbox.onMessage(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectTrpcError(api.anonymous().leaderboard.onChange(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    const alice = await api.createUser();
    await expectTrpcError(
      api.as(alice).inbox.onMessage({ lastEventId: 'abc' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      api.as(alice).leaderboard.onChange({ lastEventId: '-1' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});

describe('leaderboard.onChange', () => {
  it('ticks every subscriber when points change, with their own new total only for the earner', async () => {
    const alice = await api.createUser();
    const bob = await api.createUser();
    const a = onChange(alice);
    const b = onChange(bob);
    await Promise.all([a.settle(50), b.settle(50)]);
    await awardPoints(api, bob, 10);
    const [[, forAlice]] = (await a.take(1)) as [Tracked<LeaderboardChange>];
    const [[, forBob]] = (await b.take(1)) as [Tracked<LeaderboardChange>];
    expect(forAlice).toEqual({ mine: null });
    expect(forBob).toEqual({ mine: { points: 10, delta: 10 } });
    await Promise.all([a.close(), b.close()]);
  });

  it('pushes at most once a second, coalescing the changes in between', async () => {
    const bob = await api.createUser();
    const s = onChange(bob);
    await s.settle(50);
    const started = Date.now();
    await awardPoints(api, bob, 1);
    await s.take(1);
    await awardPoints(api, bob, 2);
    await awardPoints(api, bob, 3);
    await awardPoints(api, bob, 4);
    const pushes = await s.take(2, 3000);
    expect(pushes).toHaveLength(2);
    expect(pushes[1]![1]).toEqual({ mine: { points: 10, delta: 9 } });
    // The second push waited out the interval after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(await s.settle(1200)).toHaveLength(2);
    await s.close();
  });

  it('on resume, pushes one tick at once if points changed since the last id', async () => {
    const alice = await api.createUser();
    const since = await api.services.events.latestId();
    await awardPoints(api, await api.createUser(), 5);
    const s = onChange(alice, String(since));
    const [[id, change]] = (await s.take(1)) as [Tracked<LeaderboardChange>];
    expect(Number(id)).toBe(await api.services.events.latestId(['points.changed']));
    expect(change).toEqual({ mine: null });
    await s.close();

    const upToDate = onChange(alice, id);
    expect(await upToDate.settle(200)).toHaveLength(0);
    await upToDate.close();
  });
});
