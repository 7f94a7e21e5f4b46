import { EventEmitter } from 'node:events';
import { type DatabaseHandle, type Executor, schema } from '@skillbytes/db';
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
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
 * `tracked()` id) plus a NOTIFY in the same transaction, so it is delivered only if the transaction
 * commits. NOTIFY has no replay and an 8000-byte payload limit: large events travel as their id and
 * are read back; missed events are replayed from the table.
 */
export interface EventBus {
  publish(tx: Executor, event: NewEvent): Promise<number>;
  /** Live events (from every process) as they commit. Returns the unsubscribe function. */
  subscribe(listener: (event: BusEvent) => void): () => void;
  /** Events after `afterId` visible to `userId` (theirs and everyone's), oldest first. */
  replay(afterId: number, userId: string, types: string[], limit?: number): Promise<BusEvent[]>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const CHANNEL = 'skillbytes_events';
const INLINE_PAYLOAD_MAX = 7000;

export function createEventBus(database: DatabaseHandle, logger: Logger): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let unlisten: (() => Promise<void>) | undefined;
  let lastSeenId = 0;

  const emit = (event: BusEvent) => {
    if (event.id > lastSeenId) lastSeenId = event.id;
    emitter.emit('event', event);
  };

  const readById = async (id: number) => {
    const [row] = await database.db.select().from(schema.events).where(eq(schema.events.id, id));
    return row;
  };

  const onNotify = (payload: string) => {
    let parsed: { id: number; event?: Omit<BusEvent, 'createdAt'> & { createdAt: string } };
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    if (parsed.event) {
      emit({ ...parsed.event, createdAt: new Date(parsed.event.createdAt) });
      return;
    }
    readById(parsed.id)
      .then((row) => row && emit(row))
      .catch((err) => logger.warn({ err }, 'could not read event'));
  };

  /** After the listener connection came back: deliver what committed while it was away. */
  const catchUp = async () => {
    const rows = await database.db
      .select()
      .from(schema.events)
      .where(gt(schema.events.id, lastSeenId))
      .orderBy(asc(schema.events.id))
      .limit(10_000);
    for (const row of rows) emit(row);
  };

  return {
    async publish(tx, event) {
      const [row] = await tx
        .insert(schema.events)
        .values({ type: event.type, userId: event.userId, payload: event.payload })
        .returning();
      if (!row) throw new Error('event insert returned nothing');
      const inline = JSON.stringify({ id: row.id, event: row });
      const message = inline.length <= INLINE_PAYLOAD_MAX ? inline : JSON.stringify({ id: row.id });
      await tx.execute(sql`select pg_notify(${CHANNEL}, ${message})`);
      return row.id;
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
            types.length ? sql`${e.type} in ${types}` : undefined,
          ),
        )
        .orderBy(asc(e.id))
        .limit(limit);
    },
    async start() {
      if (unlisten) return;
      const [last] = await database.db
        .select({ max: sql<number>`coalesce(max(${schema.events.id}), 0)::int` })
        .from(schema.events);
      lastSeenId = Number(last?.max ?? 0);
      unlisten = await database.listen(CHANNEL, onNotify, () => {
        catchUp().catch((err) => logger.warn({ err }, 'event catch-up failed'));
      });
    },
    async close() {
      await unlisten?.();
      unlisten = undefined;
      emitter.removeAllListeners();
    },
  };
}
