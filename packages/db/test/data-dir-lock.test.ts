import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle, DatabaseLockedError } from '../src/index.ts';
import {
  createEmptyDatabase,
  createEmptyPgDatabase,
  migratedSnapshot,
  prepareMigratedDataDir,
} from '../src/testing.ts';

const dirs: string[] = [];
const opened: DatabaseHandle[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-lock-'));
  dirs.push(dir);
  return path.join(dir, 'pglite');
}

/** A data directory that already holds a (migrated) database: the lock is the same, initdb is skipped. */
async function existingDataDir() {
  const dataDir = tempDataDir();
  await prepareMigratedDataDir(dataDir);
  return dataDir;
}

/** A pid that surely is not running: a child that has already exited. */
function deadPid() {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(child.stdout));
}

describe('the PGlite data directory lock', () => {
  it('refuses a second opener of the same directory, naming the holder, until the first closes', async () => {
    const dataDir = await existingDataDir();
    const first = createDatabase({ dataDir, purpose: 'server' });
    opened.push(first);
    await first.ping();
    const lock = JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, purpose: 'server', hostname: hostname() });
    expect(Number.isNaN(Date.parse(lock.startedAt))).toBe(false);

    let refused: unknown;
    try {
      createDatabase({ dataDir, purpose: 'db:migrate' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DatabaseLockedError);
    expect((refused as Error).message).toContain(`pid ${process.pid} (server, since ${lock.startedAt})`);
    expect((refused as DatabaseLockedError).holder?.pid).toBe(process.pid);

    await first.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    const second = createDatabase({ dataDir, purpose: 'db:migrate' });
    opened.push(second);
    await second.ping();
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')).purpose).toBe('db:migrate');
  }, 60_000);

  it('takes over a stale lock whose process no longer exists', async () => {
    const dataDir = await existingDataDir();
    const pid = deadPid();
    writeFileSync(
      `${dataDir}.lock`,
      JSON.stringify({ pid, purpose: 'server', startedAt: '2020-01-01T00:00:00.000Z', hostname: hostname() }),
    );
    const handle = createDatabase({ dataDir, purpose: 'server' });
    opened.push(handle);
    await handle.ping();
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')).pid).toBe(process.pid);
  }, 60_000);

  it('does not take over a lock from another host, whose process it cannot check', () => {
    const dataDir = tempDataDir();
    writeFileSync(
      `${dataDir}.lock`,
      JSON.stringify({
        pid: deadPid(),
        purpose: 'server',
        startedAt: '2020-01-01T00:00:00.000Z',
        hostname: 'elsewhere',
      }),
    );
    expect(() => createDatabase({ dataDir })).toThrow(/on host elsewhere/);
  });

  it('has no lock in memory', async () => {
    const snapshot = await migratedSnapshot();
    const a = createDatabase({ snapshot });
    const b = createDatabase({ snapshot });
    opened.push(a, b);
    await Promise.all([a.ping(), b.ping()]);
  }, 60_000);

  it('counts pending migrations: all on an empty database, none once migrated', async () => {
    const handle = await createEmptyDatabase();
    opened.push(handle);
    const journal = JSON.parse(
      readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8'),
    ) as { entries: unknown[] };
    expect(await handle.pendingMigrations()).toBe(journal.entries.length);
    await handle.migrate();
    expect(await handle.pendingMigrations()).toBe(0);
  }, 60_000);

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'counts pending migrations on PostgreSQL too',
    async () => {
      const pg = await createEmptyPgDatabase(process.env.TEST_DATABASE_URL!);
      const handle = createDatabase({ url: pg.url, poolMax: 2 });
      try {
        expect(await handle.pendingMigrations()).toBeGreaterThan(0);
        await handle.migrate();
        expect(await handle.pendingMigrations()).toBe(0);
      } finally {
        await handle.close();
        await pg.drop();
      }
    },
    60_000,
  );
});
