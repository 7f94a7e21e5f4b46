import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from './client.ts';
import { snapshotKey, writeFileAtomically } from './snapshot.ts';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a brand-new database
 * on the PostgreSQL server named by `TEST_DATABASE_URL` (dropped again by `close()`).
 */
export async function createTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const handle = createDatabase({ snapshot: await migratedSnapshot() });
    await handle.migrate();
    return handle;
  }
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database "${name}"`);
  const url = withDatabase(adminUrl, name);
  const handle = createDatabase({ url, poolMax: 8 });
  await handle.migrate();
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}

/** A new empty PostgreSQL database (for tests that start their own server processes). */
export async function createEmptyPgDatabase(adminUrl: string) {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database "${name}"`);
  return {
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `drop database if exists "${name}" with (force)`),
  };
}

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A freshly created PGlite spends seconds in initdb and its migrations; loading a dumped data directory
 * takes a fraction of that. The first test process to need one migrates an empty database and leaves its
 * dump in the temp dir, keyed by the migrations' content (`snapshotKey`); the others load it. `migrate()`
 * still runs on every copy and finds nothing to do.
 */
export async function migratedSnapshot(): Promise<Blob> {
  return cachedDump(`${cachePrefix()}.tar`, (fresh) => fresh.migrate());
}

/**
 * An empty cluster as initdb leaves it (nothing migrated), dumped once like `migratedSnapshot`: initdb
 * costs 1.5-3 s of CPU, loading its dump about 0.4 s. The ping matters: the dump of a PGlite that has
 * not answered a query yet never resolves.
 */
export function emptySnapshot(): Promise<Blob> {
  return cachedDump(`${cachePrefix()}.empty.tar`, (fresh) => fresh.ping());
}

/** A new in-memory PGlite database with no migration applied (the migration tests' starting point). */
export async function createEmptyDatabase(): Promise<DatabaseHandle> {
  return createDatabase({ snapshot: await emptySnapshot() });
}

/** The dump cached in `file`, or else the one of a new initdb cluster once `fill` has run on it. */
async function cachedDump(file: string, fill: (handle: DatabaseHandle) => Promise<void>): Promise<Blob> {
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const fresh = createDatabase();
  try {
    await fill(fresh);
    const dump = await fresh.dump!();
    writeFileAtomically(file, Buffer.from(await dump.arrayBuffer()));
    return dump;
  } finally {
    await fresh.close();
  }
}

/** Where the migrated copies live in the temp dir, keyed by the migrations' content (`snapshotKey`). */
function cachePrefix() {
  return path.join(tmpdir(), `skillbytes-pglite-${snapshotKey()}`);
}

/**
 * A file-backed PGlite data directory that starts as a migrated copy (for servers started by tests).
 * Loading the snapshot into a directory means booting PGlite and writing the pages out on close, about
 * 1.5 s of CPU; the first caller does that once into a template directory beside the snapshot, and every
 * caller copies the template's files (tens of milliseconds).
 */
export async function prepareMigratedDataDir(dataDir: string) {
  const template = `${cachePrefix()}.dir`;
  if (!existsSync(template)) {
    const partial = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const handle = createDatabase({ dataDir: partial, snapshot: await migratedSnapshot() });
    try {
      await handle.ping();
    } finally {
      await handle.close();
    }
    try {
      renameSync(partial, template);
    } catch (error) {
      // Another process got there first (a directory is not replaced by rename): use theirs.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(template)) throw error;
    }
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  cpSync(template, dataDir, { recursive: true, errorOnExist: true, force: false });
}
