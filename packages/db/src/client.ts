import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { pgErrorInfo } from './errors.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;

type RowsOf<T> = { rows: T[] };

/** Both drivers return `{ rows }` from `execute`; this tells the type system so. */
interface RowsResultHKT extends PgQueryResultHKT {
  type: RowsOf<this['row']>;
}

/** The one client type the rest of the code sees, whichever driver is underneath. */
export type Database = PgDatabase<RowsResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or a transaction: domain functions that can run inside a caller's transaction take this. */
export type Executor = Database | Transaction;

export type DatabaseConfig = {
  /** PostgreSQL connection string. When absent the embedded PGlite database is used. */
  url?: string;
  /** PGlite data directory; absent means in memory. Ignored with `url`. */
  dataDir?: string;
  /** Pool size for `pg`. */
  poolMax?: number;
  /**
   * PGlite only: when the database does not exist yet (in memory, or a data directory without one), load
   * this dump (`dump()`) instead of running initdb. A data directory that already holds a database
   * ignores it.
   */
  snapshot?: Blob;
  /** What this process is ("server", "db:migrate"): written into the PGlite data directory's lock. */
  purpose?: string;
  /**
   * PGlite on disk: the data directory's lock, already taken by the caller, who also releases it (after
   * `close()`). Without it the handle takes the lock itself and releases it on close.
   */
  lock?: DataDirLock;
};

export type NotificationHandler = (payload: string) => void;

export type PoolStats = {
  /** The pool's size limit (DATABASE_POOL_MAX). */
  max: number;
  /** Connections open, and of those the ones idle in the pool. */
  total: number;
  idle: number;
  /** Queries waiting for a connection because all `max` are in use. */
  waiting: number;
  /** Whether the dedicated LISTEN connection is up (real-time delivery across processes). */
  listening: boolean;
};

export interface DatabaseHandle {
  db: Database;
  kind: 'pg' | 'pglite';
  /** Applies the committed SQL migrations (serialised across processes with an advisory lock). */
  migrate(): Promise<void>;
  /** How many committed migrations this database has not applied yet (all of them when it is empty). */
  pendingMigrations(): Promise<number>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * LISTEN on a channel. `onReconnect` runs after a lost listener connection is re-established, so the
   * caller can replay whatever was notified while it was away. Returns the unsubscribe function.
   */
  listen(
    channel: string,
    onPayload: NotificationHandler,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /** PGlite only: the whole data directory as a tarball (a migrated snapshot for tests). */
  dump?(): Promise<Blob>;
  /** PostgreSQL only: the connection pool and the LISTEN connection right now (metrics). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));
/** Any fixed number: every process that migrates takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 727_164_001;

/**
 * Opens the database. PGlite in a directory on disk takes that directory's lock first and throws
 * `DatabaseLockedError` (naming the holder) when another process or handle has it open.
 */
export function createDatabase(config: DatabaseConfig = {}): DatabaseHandle {
  return config.url
    ? createPgDatabase(config.url, config.poolMax ?? 10)
    : createPgliteDatabase(config.dataDir, config.purpose ?? 'database client', config.snapshot, config.lock);
}

/** Migrations in the committed journal newer than the last one the database recorded (drizzle's rule). */
async function countPendingMigrations(db: Database): Promise<number> {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  let last = Number.NEGATIVE_INFINITY;
  try {
    const rows = await db.execute<{ created_at: string | number | null }>(
      sql`select max(created_at) as created_at from drizzle.__drizzle_migrations`,
    );
    const value = rows.rows[0]?.created_at;
    if (value !== null && value !== undefined) last = Number(value);
  } catch (error) {
    // 42P01 undefined_table: never migrated, so every migration is pending.
    if (pgErrorInfo(error)?.code !== '42P01') throw error;
  }
  return journal.entries.filter((e) => e.when > last).length;
}

/** Whether a PGlite data directory already holds a database (initdb writes PG_VERSION first). */
export function holdsDatabase(dataDir: string) {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}

function createPgliteDatabase(
  dataDir: string | undefined,
  purpose: string,
  snapshot: Blob | undefined,
  heldLock: DataDirLock | undefined,
): DatabaseHandle {
  // A scheme (memory://, idb://) is not a path; no directory, no lock.
  const onDisk = dataDir && !/^[a-z]+:\/\//i.test(dataDir) ? path.resolve(dataDir) : undefined;
  // PGlite creates its own directory but not the ones above it (DATA_DIR on a first start), and
  // then fails only on the first query.
  if (onDisk) mkdirSync(path.dirname(onDisk), { recursive: true });
  const lock = heldLock ? undefined : onDisk ? acquireDataDirLock(onDisk, purpose) : undefined;
  let client: PGlite;
  try {
    // PGlite refuses a dump for a directory that has a database (and would run initdb for an empty one).
    const loadDataDir = snapshot && !(onDisk && holdsDatabase(onDisk)) ? snapshot : undefined;
    if (onDisk) mkdirSync(onDisk, { recursive: true });
    client = new PGlite({ dataDir, loadDataDir });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite({ client, schema, casing: 'snake_case' }) as unknown as Database;
  let closed = false;
  return {
    db,
    kind: 'pglite',
    async migrate() {
      // Drizzle's migrator reads and hashes every migration file and runs DDL to make its own table on
      // each call; an up-to-date database answers one query instead.
      if ((await countPendingMigrations(db)) === 0) return;
      await migratePglite(db as never, { migrationsFolder });
    },
    pendingMigrations: () => countPendingMigrations(db),
    async ping() {
      if (closed) throw new Error('database closed');
      await client.query('select 1');
    },
    async listen(channel, onPayload) {
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => {
        if (!closed) await unsubscribe();
      };
    },
    async dump() {
      return client.dumpDataDir('none');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function createPgDatabase(url: string, poolMax: number): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, idleTimeoutMillis: 30_000 });
  // An idle client's network error must not crash the process; the pool replaces the client.
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool, schema, casing: 'snake_case' }) as unknown as Database;
  const listener = createPgListener(url);
  let closed = false;
  return {
    db,
    kind: 'pg',
    async migrate() {
      if ((await countPendingMigrations(db)) === 0) return;
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migratePg(drizzlePg({ client, casing: 'snake_case' }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    pendingMigrations: () => countPendingMigrations(db),
    async ping() {
      await db.execute(sql`select 1`);
    },
    listen: listener.listen,
    poolStats: () => ({
      max: poolMax,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      listening: listener.connected(),
    }),
    async close() {
      if (closed) return;
      closed = true;
      await listener.close();
      await pool.end();
    },
  };
}

/** One dedicated connection per process for LISTEN, re-established with backoff when it drops. */
function createPgListener(url: string) {
  type Sub = { onPayload: NotificationHandler; onReconnect: (() => void) | undefined };
  const channels = new Map<string, Set<Sub>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (isReconnect: boolean): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (msg) => {
      for (const sub of channels.get(msg.channel) ?? []) sub.onPayload(msg.payload ?? '');
    });
    c.on('error', () => scheduleReconnect());
    c.on('end', () => scheduleReconnect());
    await c.connect();
    for (const channel of channels.keys()) await c.query(`listen ${quoteIdent(channel)}`);
    client = c;
    if (isReconnect) for (const subs of channels.values()) for (const s of subs) s.onReconnect?.();
    return c;
  };

  let delay = 100;
  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    client = undefined;
    connecting = undefined;
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        connecting = connect(true);
        await connecting;
        delay = 100;
      } catch {
        delay = Math.min(delay * 2, 5_000);
        scheduleReconnect();
      }
    }, delay);
    retryTimer.unref();
  };

  const ensure = () => {
    if (client) return Promise.resolve(client);
    connecting ??= connect(false);
    return connecting;
  };

  return {
    async listen(channel: string, onPayload: NotificationHandler, onReconnect?: () => void) {
      const sub: Sub = { onPayload, onReconnect };
      let subs = channels.get(channel);
      const isNewChannel = !subs;
      if (!subs) {
        subs = new Set();
        channels.set(channel, subs);
      }
      subs.add(sub);
      const c = await ensure();
      if (isNewChannel) await c.query(`listen ${quoteIdent(channel)}`);
      return async () => {
        subs.delete(sub);
        if (subs.size === 0 && channels.get(channel) === subs) {
          channels.delete(channel);
          await client?.query(`unlisten ${quoteIdent(channel)}`).catch(() => {});
        }
      };
    },
    /** Up: connected, LISTENing on every channel asked for. Not yet asked for counts as down. */
    connected: () => client !== undefined,
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      channels.clear();
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}

function quoteIdent(name: string) {
  return `"${name.replaceAll('"', '""')}"`;
}
