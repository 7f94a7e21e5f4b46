import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from '../src/client.ts';
import {
  createDatabase,
  type DatabaseHandle,
  DatabaseLockedError,
  loadStarterChallenges,
  seedStarterPool,
} from '../src/index.ts';
import { challenges } from '../src/schema/challenges.ts';
import {
  ensureStarterSnapshot,
  openEmbeddedDatabase,
  snapshotKey,
  starterSnapshotFile,
} from '../src/snapshot.ts';
import { createTestDatabase, migratedSnapshot, prepareMigratedDataDir } from '../src/testing.ts';
import { scratchDatabases } from './scratch-databases.ts';

const { scratch, track } = scratchDatabases('sb-starter-snapshot-test-');

/** Every challenge row, by slug, without what each database gives a row itself (id and times). */
async function poolContent(handle: DatabaseHandle) {
  const rows = await handle.db.select().from(challenges).orderBy(asc(challenges.slug));
  return rows.map(({ id: _id, createdAt: _c, updatedAt: _u, publishedAt: _p, ...content }) => content);
}

async function systemIdentifier(handle: DatabaseHandle) {
  const r = await handle.db.execute<{ id: string }>(
    sql`select system_identifier::text as id from pg_control_system()`,
  );
  return r.rows[0]!.id;
}

/** The database a snapshot file holds, opened in memory as it is (before any restamping). */
function openSnapshotFile(file: string) {
  return track(createDatabase({ snapshot: new Blob([gunzipSync(readFileSync(file))]) }));
}

describe('the starter snapshot (issue 14 item 3)', () => {
  const cacheDir = path.join(scratch, 'cache');

  it('a new data directory starts from it holding what seedStarterPool puts into an empty database, with ids and times of its own', async () => {
    expect(await ensureStarterSnapshot(cacheDir)).toMatchObject({ built: true });
    const { file, built } = await ensureStarterSnapshot(cacheDir);
    expect(built).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([path.basename(file)]);

    const before = new Date();
    const started = await openEmbeddedDatabase({
      dataDir: path.join(scratch, 'new', 'pglite'),
      cacheDir,
      purpose: 'test',
    });
    const copy = track(started.database);
    expect(started).toMatchObject({ origin: 'snapshot', snapshot: file });
    expect(started.discarded).toBeUndefined();
    expect(await copy.pendingMigrations()).toBe(0);
    const raw = openSnapshotFile(file);
    expect(await systemIdentifier(copy)).toBe(await systemIdentifier(raw));

    const reference = track(await createTestDatabase());
    expect(await seedStarterPool(reference.db)).toBeGreaterThan(0);
    const content = await poolContent(copy);
    expect(content).toEqual(await poolContent(reference));

    const rows = await copy.db.select().from(challenges);
    const rawIds = new Set((await raw.db.select({ id: challenges.id }).from(challenges)).map((r) => r.id));
    expect(rows.filter((r) => rawIds.has(r.id))).toEqual([]);
    for (const row of rows) {
      expect(row.publishedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
      expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    }
    // The seed finds its pool and adds nothing.
    expect(await seedStarterPool(copy.db)).toBe(0);
  });

  it('is keyed by the migrations: a changed migration file gives another key', () => {
    const copy = path.join(scratch, 'migrations');
    cpSync(migrationsFolder, copy, { recursive: true });
    expect(snapshotKey('pool', copy)).toBe(snapshotKey('pool'));
    const last = readdirSync(copy)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .at(-1)!;
    writeFileSync(path.join(copy, last), `${readFileSync(path.join(copy, last), 'utf8')}\n-- changed\n`);
    expect(snapshotKey('pool', copy)).not.toBe(snapshotKey('pool'));
    expect(snapshotKey('other pool')).not.toBe(snapshotKey('pool'));
  });

  it('a snapshot that lacks a migration is discarded and the directory made by initdb instead', async () => {
    const staleCache = path.join(scratch, 'stale-cache');
    // A seeded database whose journal lacks the last migration, under the current key's name.
    const stale = track(createDatabase({ snapshot: await migratedSnapshot() }));
    await seedStarterPool(stale.db);
    await stale.db.execute(
      sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
    );
    const file = await starterSnapshotFile(staleCache);
    mkdirSync(staleCache, { recursive: true });
    writeFileSync(file, gzipSync(Buffer.from(await (await stale.dump!()).arrayBuffer())));

    const dataDir = path.join(scratch, 'from-stale', 'pglite');
    const started = await openEmbeddedDatabase({ dataDir, cacheDir: staleCache, purpose: 'test' });
    const database = track(started.database);
    expect(started.origin).toBe('initdb');
    expect(started.discarded).toMatch(/1 migration\(s\) pending/);
    // initdb's own cluster: nothing of the stale copy is left in the directory.
    expect(await systemIdentifier(database)).not.toBe(await systemIdentifier(stale));
    expect(await database.pendingMigrations()).toBeGreaterThan(1);
    await database.migrate();
    expect(await database.db.select().from(challenges).where(eq(challenges.status, 'published'))).toEqual([]);
  });

  it('a truncated snapshot is discarded before PGlite reads it', async () => {
    const { file } = await ensureStarterSnapshot(cacheDir);
    const brokenCache = path.join(scratch, 'broken-cache');
    const broken = await starterSnapshotFile(brokenCache);
    const bytes = readFileSync(file);
    mkdirSync(brokenCache, { recursive: true });
    writeFileSync(broken, bytes.subarray(0, bytes.length >> 1));
    const dataDir = path.join(scratch, 'from-broken', 'pglite');
    const started = await openEmbeddedDatabase({ dataDir, cacheDir: brokenCache, purpose: 'test' });
    await track(started.database).ping();
    expect(started.origin).toBe('initdb');
    expect(started.discarded).toMatch(/does not read/);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('two opens of one new data directory at once: one is refused before it writes, the other copies the snapshot', async () => {
    await ensureStarterSnapshot(cacheDir);
    const dataDir = path.join(scratch, 'raced', 'pglite');
    const results = await Promise.allSettled([
      openEmbeddedDatabase({ dataDir, cacheDir, purpose: 'first' }),
      openEmbeddedDatabase({ dataDir, cacheDir, purpose: 'second' }),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseLockedError);
    const winner = results.find((r) => r.status === 'fulfilled')!.value;
    expect(winner.origin).toBe('snapshot');
    await winner.database.close();
    const again = await openEmbeddedDatabase({ dataDir, cacheDir, purpose: 'test' });
    const database = track(again.database);
    expect(again.origin).toBe('existing');
    expect(await database.pendingMigrations()).toBe(0);
    expect(await poolContent(database)).toHaveLength((await loadStarterChallenges()).length);
  });

  it('a data directory with files but no database keeps them and is made by initdb', async () => {
    const dataDir = path.join(scratch, 'stray', 'pglite');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'notes.txt'), 'mine');
    const started = await openEmbeddedDatabase({ dataDir, cacheDir, purpose: 'test' });
    await track(started.database).ping();
    expect(started.origin).toBe('initdb');
    // Not saved as the snapshot: it has someone's files in it.
    expect(started.snapshot).toBeUndefined();
    expect(readFileSync(path.join(dataDir, 'notes.txt'), 'utf8')).toBe('mine');
    // initdb's empty cluster, not a copy of the migrated snapshot.
    expect(await started.database.pendingMigrations()).toBeGreaterThan(0);
  });

  it('a directory that holds a database is opened as it is', async () => {
    const dataDir = path.join(scratch, 'existing', 'pglite');
    await prepareMigratedDataDir(dataDir);
    const started = await openEmbeddedDatabase({ dataDir, cacheDir, purpose: 'test' });
    const database = track(started.database);
    expect(started.origin).toBe('existing');
    expect(await database.db.select().from(challenges)).toEqual([]);
  });
});
