import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_REVOKED_EVENT } from '../src/auth/sessions.ts';
import { createTestApi, type TestApi } from './helpers.ts';
import {
  callerWithSignal,
  collect,
  expectTrpcError,
  openStreams as openStreamsOf,
} from './realtime-fixtures.ts';

type User = Awaited<ReturnType<TestApi['createUser']>>;

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { streams: { perUser: 3, perProcess: 5 } } });
});
afterAll(() => api?.close());

/** What is delivered does not matter here, only whether a stream is open, refused or ended. */
type Stream = ReturnType<typeof collect<unknown>>;
const inbox = (user: User, sessionId = randomUUID()): Stream =>
  collect<unknown>((signal) => callerWithSignal(api, user, signal, { sessionId }).inbox.onMessage());
const board = (user: User): Stream =>
  collect<unknown>((signal) => callerWithSignal(api, user, signal).leaderboard.onChange());

const openStreams = (n: number) => openStreamsOf(api, n);

async function expectRefused(stream: Stream, scope: 'user' | 'process') {
  const error = await stream.ended();
  await expectTrpcError(Promise.reject(error), 'TOO_MANY_REQUESTS', 'TOO_MANY_STREAMS');
  expect(error).toMatchObject({ cause: { details: { scope } } });
}

describe('live stream slots', () => {
  it('a user holds at most N streams; the N+1th is refused; one that ends frees its slot', async () => {
    const alice = await api.createUser();
    const sessionId = randomUUID();
    const held = [inbox(alice, sessionId), board(alice), inbox(alice)];
    await openStreams(3);
    await expectRefused(inbox(alice), 'user');
    await expectRefused(board(alice), 'user');
    expect(held.every((s) => !s.isDone)).toBe(true);

    // Closed by the client.
    await held[2]!.close();
    await openStreams(2);
    const again = inbox(alice);
    await openStreams(3);
    await expectRefused(inbox(alice), 'user');

    // Ended by the server (the session was signed out).
    await api.database.db.transaction((tx) =>
      api.services.events.publish(tx, {
        type: SESSION_REVOKED_EVENT,
        userId: alice.id,
        payload: { sessionIds: [sessionId] },
      }),
    );
    await expectTrpcError(Promise.reject(await held[0]!.ended()), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await openStreams(2);
    const third = board(alice);
    await openStreams(3);
    await Promise.all([held[1]!.close(), again.close(), third.close()]);
    await openStreams(0);
  });

  it('the process holds at most M streams in all, whoever opens them', async () => {
    const [alice, bob, carol] = [await api.createUser(), await api.createUser(), await api.createUser()];
    const held = [inbox(alice), inbox(alice), board(bob), inbox(bob), board(bob)];
    await openStreams(5);
    await expectRefused(inbox(carol), 'process');
    await held[0]!.close();
    await openStreams(4);
    const carols = inbox(carol);
    await openStreams(5);
    expect(carols.isDone).toBe(false);
    await Promise.all([...held.slice(1), carols].map((s) => s.close()));
    await openStreams(0);
  });

  it('hostile subscription inputs are a 400 and hold no slot', async () => {
    const alice = await api.createUser();
    for (const lastEventId of ['1\u0000', '9'.repeat(400), 'x'.repeat(100_000), '-1', '1e3']) {
      for (const path of ['inbox', 'board'] as const) {
        const s = collect<unknown>((signal) => {
          const caller = callerWithSignal(api, alice, signal);
          return path === 'inbox'
            ? caller.inbox.onMessage({ lastEventId })
            : caller.leaderboard.onChange({ lastEventId });
        });
        await expectTrpcError(Promise.reject(await s.ended()), 'BAD_REQUEST', 'VALIDATION_FAILED');
      }
    }
    await openStreams(0);
    // A well-formed id from far in the future is not an error (see stream.ts) and holds one slot.
    const future = collect((signal) =>
      callerWithSignal(api, alice, signal).inbox.onMessage({ lastEventId: '999999999999999' }),
    );
    await openStreams(1);
    await future.close();
    await openStreams(0);
  });
});
