import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/helpers.ts';
import type { BusEvent, EventBus } from './bus.ts';

/** The bus is indifferent to the map it carries; these tests use names of their own. */
type TestEvents = { [type: string]: Record<string, unknown> };

let api: TestApi;
let bus: EventBus<TestEvents>;
beforeAll(async () => {
  api = await createTestApi();
  bus = api.services.events as unknown as EventBus<TestEvents>;
});
afterAll(() => api?.close());

/** Everything the bus delivers from now on. */
function listen() {
  const events: BusEvent<TestEvents>[] = [];
  const stop = bus.subscribe((e) => events.push(e));
  const waitFor = async (predicate: (e: BusEvent<TestEvents>[]) => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!predicate(events)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(events.map((e) => e.id))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { events, stop, waitFor };
}

/** Publishes in a transaction of its own and returns the id the event got at commit (tests publish one at a time). */
async function publish(type: string, userId: string | null, payload: Record<string, unknown> = {}) {
  await api.database.db.transaction((tx) => bus.publish(tx, { type, userId, payload }));
  return bus.latestId();
}

describe('event bus', () => {
  it('delivers an event only when its transaction commits', async () => {
    const l = listen();
    await expect(
      api.database.db.transaction(async (tx) => {
        await bus.publish(tx, { type: 'test.rolled_back', userId: null, payload: {} });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await publish('test.committed', null, { n: 1 });
    await l.waitFor((e) => e.some((x) => x.id === id));
    expect(l.events.map((e) => e.type)).toEqual(['test.committed']);
    expect(l.events[0]).toMatchObject({ id, userId: null, payload: { n: 1 } });
    expect(l.events[0]!.createdAt).toBeInstanceOf(Date);
    l.stop();
  });

  it('carries payloads over the NOTIFY limit by id, counting bytes rather than characters', async () => {
    const l = listen();
    // 3000 characters but 9000 bytes in UTF-8: too big for a NOTIFY, which counts bytes.
    const text = '€'.repeat(3000);
    const id = await publish('test.large', null, { text });
    await l.waitFor((e) => e.some((x) => x.id === id));
    expect(l.events.find((e) => e.id === id)?.payload).toEqual({ text });
    l.stop();
  });

  it('numbers events in commit order, not in the order they were added', async () => {
    const l = listen();
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => {
      releaseFirst = r;
    });
    let firstPublished!: () => void;
    const firstHasPublished = new Promise<void>((r) => {
      firstPublished = r;
    });
    // The first publisher adds its event first but commits last.
    const first = api.database.db.transaction(async (tx) => {
      await bus.publish(tx, { type: 'test.order', userId: null, payload: { n: 1 } });
      firstPublished();
      await firstHolds;
    });
    await firstHasPublished;
    const second = api.database.db.transaction((tx) =>
      bus.publish(tx, { type: 'test.order', userId: null, payload: { n: 2 } }),
    );
    await new Promise((r) => setTimeout(r, 100));
    releaseFirst();
    await Promise.all([first, second]);
    await l.waitFor((e) => e.filter((x) => x.type === 'test.order').length === 2);
    const delivered = l.events.filter((x) => x.type === 'test.order');
    const committed = api.database.kind === 'pg' ? [2, 1] : [1, 2]; // PGlite runs one transaction at a time
    expect(delivered.map((e) => e.payload.n)).toEqual(committed);
    expect(delivered[1]!.id).toBeGreaterThan(delivered[0]!.id);
    const replayed = await bus.replay(delivered[0]!.id - 1, randomUUID(), ['test.order']);
    expect(replayed.map((e) => e.payload.n)).toEqual(committed);
    l.stop();
  });

  it("replays a user's and everyone's events after an id, oldest first, of the asked types", async () => {
    const alice = await api.createUser();
    const bob = await api.createUser();
    const start = await bus.latestId();
    const forAlice = await publish('test.replay', alice.id);
    await publish('test.replay', bob.id);
    const forAll = await publish('test.replay', null);
    await publish('test.other', alice.id);
    const replayed = await bus.replay(start, alice.id, ['test.replay']);
    expect(replayed.map((e) => e.id)).toEqual([forAlice, forAll]);
    expect(await bus.replay(forAlice, alice.id, ['test.replay'])).toHaveLength(1);
    expect(await bus.latestId(['test.replay'])).toBe(forAll);
    expect(await bus.latestId()).toBeGreaterThan(forAll);
  });

  it('keeps delivering to other listeners when one throws', async () => {
    const stopBad = bus.subscribe(() => {
      throw new Error('listener bug');
    });
    const l = listen();
    const id = await publish('test.resilient', null);
    await l.waitFor((e) => e.some((x) => x.id === id));
    stopBad();
    l.stop();
  });
});
