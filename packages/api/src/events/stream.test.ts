import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/helpers.ts';
import { collect } from '../../test/realtime-fixtures.ts';
import type { Caller } from '../context.ts';
import type { BusEvent, NewEvent } from './bus.ts';
import { SESSION_REVOKED_EVENT as SESSION_REVOKED } from '../auth/sessions.ts';
import { callerGuard } from '../auth/caller-guard.ts';
import { type EventStreamOptions, eventStream, parseEventId } from './stream.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.close());

const TYPE = 'points.changed';
/**
 * Publishes in a transaction of its own and returns the id the event got at commit. Loosely typed on
 * purpose: the guard must also cope with payloads the typed map would not let production code send.
 */
async function publish(
  userId: string | null,
  payload: Record<string, unknown> = { points: 0, delta: 0 },
  type: string = TYPE,
) {
  const event = { type, userId, payload } as NewEvent;
  await api.database.db.transaction((tx) => api.services.events.publish(tx, event));
  return api.services.events.latestId();
}

function open(userId: string, lastEventId: string | null, extra: Partial<EventStreamOptions> = {}) {
  return collect<number>(async (signal) => {
    const stream = eventStream({
      bus: api.services.events,
      slot: { slots: api.services.streams, userId },
      signal,
      lastEventId,
      accepts: (e: BusEvent) => e.type === TYPE && (e.userId === null || e.userId === userId),
      backlog: (after) => api.services.events.replay(after, userId, [TYPE], 2),
      ...extra,
    });
    return (async function* () {
      for await (const { event } of stream) yield event.id;
    })();
  });
}

describe('eventStream', () => {
  it('delivers live events for the subscriber only', async () => {
    const alice = randomUUID();
    const s = open(alice, null);
    await s.settle(50);
    const mine = await publish(alice);
    await publish(randomUUID());
    const everyone = await publish(null);
    expect(await s.take(2)).toEqual([mine, everyone]);
    expect(await s.settle(100)).toEqual([mine, everyone]);
    await s.close();
  });

  it('resumes after the last id: replays exactly the missed events, then live ones, no duplicates', async () => {
    const alice = randomUUID();
    const first = open(alice, null);
    await first.settle(50);
    const a = await publish(alice);
    expect(await first.take(1)).toEqual([a]);
    await first.close();

    // Sent while disconnected; more than one backlog page (pages of 2 here).
    const missed = [
      await publish(alice),
      await publish(null),
      await publish(randomUUID()),
      await publish(alice),
    ];
    const resumed = open(alice, String(a));
    const expectedMissed = [missed[0], missed[1], missed[3]];
    expect(await resumed.take(3)).toEqual(expectedMissed);
    const live = await publish(alice);
    expect(await resumed.take(4)).toEqual([...expectedMissed, live]);
    expect(await resumed.settle(100)).toHaveLength(4);
    await resumed.close();
  });

  it('delivers an event committed while the backlog is read exactly once', async () => {
    const alice = randomUUID();
    const start = await publish(alice);
    let raced: number | undefined;
    const s = open(alice, String(start), {
      // Subscribed to the live bus already: this event arrives live *and* in the backlog.
      backlog: async (after) => {
        raced ??= await publish(alice);
        await new Promise((r) => setTimeout(r, 50));
        return api.services.events.replay(after, alice, [TYPE], 100);
      },
    });
    await s.take(1);
    const next = await publish(alice);
    expect(await s.take(2)).toEqual([raced, next]);
    expect(await s.settle(100)).toEqual([raced, next]);
    await s.close();
  });

  it('treats an id from the future as "now", so live events still arrive', async () => {
    const alice = randomUUID();
    const s = open(alice, '999999999999');
    await s.settle(50);
    const id = await publish(alice);
    expect(await s.take(1)).toEqual([id]);
    await s.close();
  });

  it('refuses a malformed last event id with BAD_REQUEST', () => {
    expect(() => parseEventId('12abc')).toThrow(TRPCError);
    expect(parseEventId(undefined)).toBeNull();
    expect(parseEventId('42')).toBe(42);
  });

  it('ends quietly when the client goes away', async () => {
    const s = open(randomUUID(), null);
    await s.settle(20);
    await s.close();
    expect(s.isDone).toBe(true);
    expect(s.error).toBeUndefined();
  });

  it('ends with a retryable error when a slow client lets too many events pile up', async () => {
    const alice = randomUUID();
    const controller = new AbortController();
    const stream = eventStream({
      bus: api.services.events,
      slot: { slots: api.services.streams, userId: alice },
      signal: controller.signal,
      lastEventId: null,
      accepts: (e) => e.userId === alice,
      backlog: async () => [],
      maxQueued: 2,
    });
    const firstPull = stream.next();
    await publish(alice);
    await firstPull;
    // Nobody pulls now: the next three events overflow a queue of two.
    for (let i = 0; i < 3; i++) await publish(alice);
    await new Promise((r) => setTimeout(r, 100));
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    controller.abort();
  });
});

describe('callerGuard', () => {
  type SessionCaller = Extract<Caller, { kind: 'session' }>;
  const session = (userId: string): SessionCaller => ({
    kind: 'session',
    userId,
    role: 'user',
    sessionId: randomUUID(),
  });
  const guard = (caller: Caller, intervalMs?: number) => callerGuard({ ...api.services, caller }, intervalMs);

  it("ends the stream with SESSION_REVOKED when the caller's session is revoked, not for other sessions", async () => {
    const caller = session(randomUUID());
    const s = open(caller.userId, null, guard(caller));
    await s.settle(50);
    await publish(caller.userId, { sessionIds: [randomUUID()] }, SESSION_REVOKED);
    await publish(randomUUID(), { all: true }, SESSION_REVOKED);
    const still = await publish(caller.userId);
    expect(await s.take(1)).toEqual([still]);
    await publish(caller.userId, { sessionIds: [randomUUID(), caller.sessionId] }, SESSION_REVOKED);
    const error = await s.ended();
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', cause: { appCode: 'SESSION_REVOKED' } });
  });

  it('ends every session of the user on {all: true}', async () => {
    const caller = session(randomUUID());
    const s = open(caller.userId, null, guard(caller));
    await s.settle(50);
    await publish(caller.userId, { all: true }, SESSION_REVOKED);
    expect(await s.ended()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('ends an API-key stream on {all: true} only', async () => {
    const caller: Caller = {
      kind: 'apiKey',
      userId: randomUUID(),
      role: 'admin',
      keyId: 'k1',
      scopes: ['admin'],
    };
    const s = open(caller.userId, null, guard(caller));
    await s.settle(50);
    await publish(caller.userId, { sessionIds: [randomUUID()] }, SESSION_REVOKED);
    const still = await publish(caller.userId);
    expect(await s.take(1)).toEqual([still]);
    await publish(caller.userId, { all: true, sessionIds: [] }, SESSION_REVOKED);
    expect(await s.ended()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('ends at the next check when the session stopped being valid without an event reaching this process', async () => {
    const user = await api.createUser();
    const [row] = await api.database.db
      .insert(schema.sessions)
      .values({
        userId: user.id,
        refreshHash: 'x',
        expiresAt: new Date(api.clock.now().getTime() + 3600_000),
      })
      .returning({ id: schema.sessions.id });
    const caller: Caller = { kind: 'session', userId: user.id, role: 'user', sessionId: row!.id };
    const s = open(user.id, null, guard(caller, 50));
    await s.settle(200);
    expect(s.isDone).toBe(false);
    await api.database.db
      .update(schema.sessions)
      .set({ revokedAt: api.clock.now() })
      .where(eq(schema.sessions.id, row!.id));
    expect(await s.ended()).toMatchObject({ code: 'UNAUTHORIZED', cause: { appCode: 'SESSION_REVOKED' } });
  });
});
