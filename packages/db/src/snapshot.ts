import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { count, sql } from 'drizzle-orm';
import { createDatabase, type DatabaseHandle, holdsDatabase, migrationsFolder } from './client.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { challenges } from './schema/challenges.ts';
import { loadStarterChallenges, restampStarterPool, seedStarterPool, starterRows } from './seed.ts';

/** Bump when what a snapshot holds changes in a way its hashed inputs do not show. */
const FORMAT = 'pglite-snapshot/1';

/**
 * What a snapshot depends on, hashed: the PGlite release (its data directory format), every migration
 * and the journal, and `extra` (for the starter snapshot, the pool's rows). Any change gives another key,
 * so a snapshot never stands in for a database these migrations would build differently.
 */
export function snapshotKey(extra = '', folder = migrationsFolder): string {
  const hash = createHash('sha256').update(`${FORMAT}\0${pgliteVersion()}\0`);
  for (const name of readdirSync(folder).sort()) {
    if (name.endsWith('.sql')) hash.update(`${name}\0`).update(readFileSync(path.join(folder, name)));
  }
  hash.update('\0').update(readFileSync(path.join(folder, 'meta', '_journal.json')));
  return hash.update(`\0${extra}`).digest('hex').slice(0, 16);
}

function pgliteVersion(): string {
  // The package's exports map does not offer its package.json; it sits above the resolved entry (dist/).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));
  return String(manifest.version);
}

/** Writes `bytes` so that a reader of `file` sees the old file or the whole new one, never a part. */
export function writeFileAtomically(file: string, bytes: Uint8Array) {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

let starterPool: Promise<{ key: string; size: number }> | undefined;

/** The starter snapshot's key and how many challenges it holds (the pool is read once per process). */
function starterPoolOnce() {
  starterPool ??= loadStarterChallenges().then((pool) => ({
    key: snapshotKey(JSON.stringify(starterRows(pool))),
    size: pool.length,
  }));
  return starterPool;
}

/** The cache file of the starter snapshot for these migrations and this pool (which may not exist yet). */
export async function starterSnapshotFile(cacheDir: string): Promise<string> {
  return path.join(cacheDir, `pglite-starter-${(await starterPoolOnce()).key}.tar.gz`);
}

/** How a server's embedded database came to be: it was there, it was copied from the snapshot, or initdb made it. */
export type EmbeddedOrigin = 'existing' | 'snapshot' | 'initdb';

export type EmbeddedDatabase = {
  database: DatabaseHandle;
  origin: EmbeddedOrigin;
  /** The starter snapshot this start looked for, and saves after initdb (unset: neither). */
  snapshot?: string;
  /** Why that snapshot, although there, was not used: it did not load, or it was not this code's schema. */
  discarded?: string;
};

/**
 * Opens the embedded database in `dataDir` for a server that migrates and seeds it at start. A directory
 * that holds no database yet starts as a copy of the starter snapshot in `cacheDir` (migrated, seeded,
 * keyed by the migrations and the pool), which saves the seconds of initdb, migrations and seed, when
 * the copy proves good: it unpacks, opens, has no migration pending and holds the whole pool, which then
 * gets ids and times of its own. Otherwise the directory is emptied again and made by initdb as before;
 * the caller migrates and seeds it and then saves it as the snapshot (`saveStarterSnapshot`).
 */
export async function openEmbeddedDatabase(opts: {
  dataDir: string;
  cacheDir: string;
  purpose: string;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  // The lock before anything is written: never into a directory another process has open.
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const lock = acquireDataDirLock(dataDir, opts.purpose);
  try {
    const opened = await openLocked(dataDir, opts.cacheDir, lock);
    const { database } = opened;
    const close = async () => {
      try {
        await database.close();
      } finally {
        lock.release();
      }
    };
    return { ...opened, database: { ...database, close } };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openLocked(dataDir: string, cacheDir: string, lock: DataDirLock): Promise<EmbeddedDatabase> {
  const open = () => createDatabase({ dataDir, lock });
  if (holdsDatabase(dataDir)) return { database: open(), origin: 'existing' };
  const snapshot = await starterSnapshotFile(cacheDir);
  // Files there without a database (a crash during initdb?) are not ours to replace or delete, nor to
  // save into the snapshot with it (no `snapshot`).
  if (!isEmptyOrAbsent(dataDir)) return { database: open(), origin: 'initdb' };
  let discarded: string | undefined;
  let tar: Buffer | undefined;
  try {
    // gzip's CRC and length make a truncated or damaged file fail here, before anything is written.
    tar = await promisify(gunzip)(await readFile(snapshot));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') discarded = `it does not read: ${String(error)}`;
  }
  if (tar) {
    let database: DatabaseHandle | undefined;
    try {
      // Written by node directly: PGlite's own loadDataDir copies the tarball several times and writes
      // through its emscripten file system, about 0.4 s of CPU more (bench/src/cold-start.ts).
      extractTar(tar, dataDir);
      database = open();
      const pending = await database.pendingMigrations();
      const expected = (await starterPoolOnce()).size;
      const [pool] = await database.db.select({ n: count() }).from(challenges);
      if (pending === 0 && pool?.n === expected) {
        await restampStarterPool(database.db);
        return { database, origin: 'snapshot', snapshot };
      }
      discarded = `it has ${pending} migration(s) pending and ${pool?.n} of the ${expected} starter challenges`;
    } catch (error) {
      discarded = `it does not open: ${error instanceof Error ? error.message : String(error)}`;
    }
    await database?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { database: open(), origin: 'initdb', snapshot, discarded };
}

function isEmptyOrAbsent(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Writes the files and folders of a ustar archive (what PGlite's `dumpDataDir` makes) under `dir`.
 * Refuses an entry that is neither, or whose path would leave `dir`. Synchronous: creating the ~1000
 * files is most of the cost, and on the libuv pool it took about 1.5 times the CPU and no less time.
 */
function extractTar(tar: Buffer, dir: string) {
  const field = (header: Buffer, at: number, length: number) =>
    header
      .subarray(at, at + length)
      .toString('latin1')
      .replace(/\0.*$/s, '');
  mkdirSync(dir, { recursive: true });
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break; // the end-of-archive blocks
    if (!field(header, 257, 6).startsWith('ustar')) throw new Error(`not a tar header at byte ${at}`);
    const name = path.join(field(header, 345, 155), field(header, 0, 100));
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = field(header, 156, 1) || '0';
    const target = path.join(dir, name);
    if (path.relative(dir, target).startsWith('..')) throw new Error(`tar entry ${name} leaves ${dir}`);
    at += 512;
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0') {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, tar.subarray(at, at + size));
    } else throw new Error(`tar entry ${name} is of type ${type}, neither a file nor a folder`);
    at += Math.ceil(size / 512) * 512;
  }
}

/**
 * Saves `database` as the starter snapshot `file`: call it on a database initdb just made, once it is
 * migrated and seeded and before anything else writes to it. Atomic (concurrent starts each write a
 * whole file; the last rename wins). Also removes what older saves left behind.
 */
export async function saveStarterSnapshot(database: DatabaseHandle, file: string) {
  if (!database.dump) throw new Error('only the embedded database has a snapshot');
  // Flushed pages make the copy's start replay no WAL.
  await database.db.execute(sql`checkpoint`);
  const tar = Buffer.from(await (await database.dump()).arrayBuffer());
  writeFileAtomically(file, await promisify(gzip)(tar, { level: 1 }));
  pruneCache(path.dirname(file), file);
}

const DAY_MS = 86_400_000;

/** Snapshots of other migrations unused for a month, and partial writes a crash left over an hour ago. */
function pruneCache(cacheDir: string, keep: string) {
  const now = Date.now();
  for (const name of readdirSync(cacheDir)) {
    const file = path.join(cacheDir, name);
    if (file === keep || !name.startsWith('pglite-starter-')) continue;
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) continue;
    const age = now - stat.mtimeMs;
    if (name.endsWith('.partial') ? age > DAY_MS / 24 : age > 30 * DAY_MS) rmSync(file, { force: true });
  }
}

/**
 * Builds the starter snapshot in `cacheDir` unless it is there already (`pnpm start`'s build step, so
 * that even the first start on a new clone loads it): migrates and seeds an in-memory database.
 */
export async function ensureStarterSnapshot(cacheDir: string): Promise<{ file: string; built: boolean }> {
  const file = await starterSnapshotFile(cacheDir);
  if (existsSync(file)) return { file, built: false };
  const scratch = createDatabase();
  try {
    await scratch.migrate();
    await seedStarterPool(scratch.db);
    await saveStarterSnapshot(scratch, file);
  } finally {
    await scratch.close();
  }
  return { file, built: true };
}
