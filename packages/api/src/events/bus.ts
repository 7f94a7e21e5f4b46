import { EventEmitter } from 'node:events';
import { type DatabaseHandle, type Executor, schema } from '@skillbytes/db';
import { and, asc, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Logger } from 'pino';

export type BusEvent = {
  id: number;
  type: string;
  /** null: meant for everyone. */
  userId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
};

export type NewEvent = Pick<BusEvent, 'type' | 'userId' | 'payload'>;

/**
 * publish/subscribe across server processes. An event is a row in `events` (its id is the SSE
 * `tracked()` id); a deferred trigger (migration `events_commit_order`) numbers it and NOTIFYs it as
 * its transaction commits, so it is delivered only if the transaction commits, and ids follow commit
 * order: "everything after id N" is a complete description of what a client has not seen, and every
 * process delivers events in id order. NOTIFY has no replay and an 8000-byte payload limit: large
 * events travel as their id and are read back; missed events are replayed from the table.
 */
export interface EventBus {
  /** Adds the event to the transaction; it is numbered and delivered when the transaction commits. */
  publish(tx: Executor, event: NewEvent): Promise<void>;
  /** Live events (from every process) as they commit, in id order. Returns the unsubscribe function. */
  subscribe(listener: (event: BusEvent) => void): () => void;
  /** Events after `afterId` visible to `userId` (theirs and everyone's), oldest first. */
  replay(afterId: number, userId: string, types: string[], limit?: number): Promise<BusEvent[]>;
  /** The id of the newest committed event (of these types, any user), or 0. */
  latestId(types?: string[]): Promise<number>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The channel the `events_commit_order` trigger notifies. */
const CHANNEL = 'skillbytes_events';

type Wire = { id: number; event?: Omit<BusEvent, 'createdAt'> & { createdAt: string } };

export function createEventBus(database: DatabaseHandle, logger: Logger): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let unlisten: (() => Promise<void>) | undefined;
  let lastSeenId = 0;
  // Notifications are resolved one after another, so an event read back by id is not overtaken by a
  // later inline one.
  let delivery: Promise<void> = Promise.resolve();

  const emit = (event: BusEvent) => {
    // A reconnect's catch-up may overlap with notifications: ids are commit-ordered, so anything at
    // or below the last delivered id has been delivered.
    if (event.id <= lastSeenId) return;
    lastSeenId = event.id;
    for (const listener of emitter.listeners('event') as ((e: BusEvent) => void)[]) {
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
      enqueue(() => emit({ ...inline, createdAt: new Date(inline.createdAt) }));
      return;
    }
    enqueue(async () => {
      const row = await readById(parsed.id);
      if (row) emit(row);
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
        for (const row of rows) emit(row);
        if (rows.length < 1000) return;
      }
    });

  return {
    async publish(tx, event) {
      await tx
        .insert(schema.events)
        .values({ type: event.type, userId: event.userId, payload: event.payload });
    },
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async replay(afterId, userId, types, limit = 1000) {
      const e = schema.events;
      return database.db
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
