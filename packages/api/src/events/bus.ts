import { EventEmitter } from 'node:events';
import { type DatabaseHandle, type Executor, schema } from '@skillbytes/db';
import { and, asc, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Logger } from 'pino';

/**
 * Every event the bus carries, by name, with its payload. Publishers and subscribers both go through
 * this map, so they cannot disagree about a name or a payload's shape.
 */
export type EventMap = {
  /** A user was paid points (challenges/submit.ts): their new total and what was added. */
  'points.changed': { points: number; delta: number };
  /** An admin message was sent (inbox/messages.ts): the message itself, so subscribers need no query. */
  'message.created': {
    messageId: string;
    content: string;
    icon: string;
    bannerColor: string;
    /** ISO instant. */
    createdAt: string;
  };
  /** Sessions were revoked (auth/sessions.ts): these, or all of the user's (API keys too). */
  'session.revoked': { sessionIds: string[]; all?: true };
  /**
   * The event's user joined (or created), left or was removed from a private league (groups/membership.ts). Not
   * only theirs: `leaderboard.onChange` delivers it to every member of the group (leaderboard/live.ts).
   */
  'group.members.changed': { groupId: string; change: 'joined' | 'left' | 'removed' };
};

/** Any map from event name to payload (the bus itself does not care which; the product uses EventMap). */
export type EventPayloads = { [type: string]: object };

/** A new event: its name picks its payload type. `userId` null means meant for everyone. */
export type NewEvent<M extends EventPayloads = EventMap> = {
  [K in keyof M & string]: { type: K; userId: string | null; payload: M[K] };
}[keyof M & string];

/** A committed event, numbered in commit order. */
export type BusEvent<M extends EventPayloads = EventMap> = NewEvent<M> & { id: number; createdAt: Date };

type EventRow = typeof schema.events.$inferSelect;
/**
 * publish/subscribe across server processes. An event is a row in `events` (its id is the SSE
 * `tracked()` id); a deferred trigger (migration `events_commit_order`) numbers it and NOTIFYs it as
 * its transaction commits, so it is delivered only if the transaction commits, and ids follow commit
 * order: "everything after id N" is a complete description of what a client has not seen, and every
 * process delivers events in id order. NOTIFY has no replay and an 8000-byte payload limit: large
 * events travel as their id and are read back; missed events are replayed from the table.
 */
export interface EventBus<M extends EventPayloads = EventMap> {
  /** Adds the event to the transaction; it is numbered and delivered when the transaction commits. */
  publish(tx: Executor, event: NewEvent<M>): Promise<void>;
  /** Live events (from every process) as they commit, in id order. Returns the unsubscribe function. */
  subscribe(listener: (event: BusEvent<M>) => void): () => void;
  /** Events after `afterId` visible to `userId` (theirs and everyone's), oldest first. */
  replay(
    afterId: number,
    userId: string,
    types: (keyof M & string)[],
    limit?: number,
  ): Promise<BusEvent<M>[]>;
  /** The id of the newest committed event (of these types, any user), or 0. */
  latestId(types?: (keyof M & string)[]): Promise<number>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The channel the `events_commit_order` trigger notifies. */
const CHANNEL = 'skillbytes_events';

type Wire = { id: number; event?: Omit<EventRow, 'createdAt'> & { createdAt: string } };

export function createEventBus<M extends EventPayloads = EventMap>(
  database: DatabaseHandle,
  logger: Logger,
): EventBus<M> {
  /**
   * Rows come back from the table as (string, JSON): the one place their type is asserted. Only
   * `publish`, typed by the map, writes the table.
   */
  const asBusEvent = (row: EventRow) => row as unknown as BusEvent<M>;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let unlisten: (() => Promise<void>) | undefined;
  let lastSeenId = 0;
  // Notifications are resolved one after another, so an event read back by id is not overtaken by a
  // later inline one.
  let delivery: Promise<void> = Promise.resolve();

  const emit = (event: BusEvent<M>) => {
    // A reconnect's catch-up may overlap with notifications: ids are commit-ordered, so anything at
    // or below the last delivered id has been delivered.
    if (event.id <= lastSeenId) return;
    lastSeenId = event.id;
    for (const listener of emitter.listeners('event') as ((e: BusEvent<M>) => void)[]) {
      try {
        listener(event);
      } catch (err) {
        logger.error({ err, eventId: event.id }, 'event listener failed');
      }
    }
  };

  const readById = async (id: number) => {
    const [row] = await database.db.select().from(schema.events).where(eq(schema.events.id, id));
    return row;
  };

  const enqueue = (task: () => Promise<void> | void) => {
    delivery = delivery.then(task).catch((err) => logger.warn({ err }, 'event delivery failed'));
  };

  const onNotify = (payload: string) => {
    let parsed: Wire;
    try {
      parsed = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    const inline = parsed.event;
    if (inline) {
      enqueue(() => emit(asBusEvent({ ...inline, createdAt: new Date(inline.createdAt) })));
      return;
    }
    enqueue(async () => {
      const row = await readById(parsed.id);
      if (row) emit(asBusEvent(row));
    });
  };

  const latestId = async (types: string[] = []) => {
    const e = schema.events;
    const [row] = await database.db
      .select({ id: e.id })
      .from(e)
      .where(types.length ? inArray(e.type, types) : undefined)
      .orderBy(desc(e.id))
      .limit(1);
    return row?.id ?? 0;
  };

  /** After the listener connection came back: deliver what committed while it was away. */
  const catchUp = () =>
    enqueue(async () => {
      for (;;) {
        const rows = await database.db
          .select()
          .from(schema.events)
          .where(gt(schema.events.id, lastSeenId))
          .orderBy(asc(schema.events.id))
          .limit(1000);
        for (const row of rows) emit(asBusEvent(row));
        if (rows.length < 1000) return;
      }
    });

  return {
    async publish(tx, event) {
      await tx.insert(schema.events).values({
        type: event.type,
        userId: event.userId,
        payload: event.payload as Record<string, unknown>,
      });
    },
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async replay(afterId, userId, types, limit = 1000) {
      const e = schema.events;
      const rows = await database.db
        .select()
        .from(e)
        .where(
          and(
            gt(e.id, afterId),
            or(isNull(e.userId), eq(e.userId, userId)),
            types.length ? inArray(e.type, types) : undefined,
          ),
        )
        .orderBy(asc(e.id))
        .limit(limit);
      return rows.map(asBusEvent);
    },
    latestId,
    async start() {
      if (unlisten) return;
      lastSeenId = await latestId();
      unlisten = await database.listen(CHANNEL, onNotify, catchUp);
    },
    async close() {
      await unlisten?.();
      unlisten = undefined;
      emitter.removeAllListeners();
    },
  };
}
