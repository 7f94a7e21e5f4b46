import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../src/index.ts';
import { createEmptyDatabase, createTestDatabase } from '../src/testing.ts';

type Column = { table_name: string; column_name: string; data_type: string; is_nullable: string };

async function describeSchema(handle: DatabaseHandle) {
  const columns = await handle.db.execute<Column>(sql`
    select table_name, column_name, data_type, is_nullable from information_schema.columns
    where table_schema = 'public' order by table_name, column_name`);
  const indexes = await handle.db.execute<{ indexname: string }>(sql`
    select indexname from pg_indexes where schemaname = 'public' order by indexname`);
  return { columns: columns.rows, indexes: indexes.rows.map((r) => r.indexname) };
}

const opened: DatabaseHandle[] = [];
afterAll(async () => {
  for (const h of opened) await h.close();
});

describe('migrations', () => {
  it('create every table on embedded PGlite', async () => {
    const pglite = await createEmptyDatabase();
    opened.push(pglite);
    await pglite.migrate();
    const { columns, indexes } = await describeSchema(pglite);
    const tables = new Set(columns.map((c) => c.table_name));
    for (const t of [
      'users',
      'sessions',
      'api_keys',
      'audit_log',
      'challenges',
      'submissions',
      'completions',
      'messages',
    ]) {
      expect(tables).toContain(t);
    }
    expect(indexes).toContain('users_leaderboard_idx');
  });

  it('are idempotent: migrating twice changes nothing', async () => {
    const db = await createEmptyDatabase();
    opened.push(db);
    await db.migrate();
    const before = await describeSchema(db);
    await db.migrate();
    expect(await describeSchema(db)).toEqual(before);
  });

  it.runIf(process.env.TEST_DATABASE_URL)('produce the same schema on PostgreSQL as on PGlite', async () => {
    const pg = await createTestDatabase();
    opened.push(pg);
    expect(pg.kind).toBe('pg');
    const pglite = await createEmptyDatabase();
    opened.push(pglite);
    await pglite.migrate();
    expect(await describeSchema(pg)).toEqual(await describeSchema(pglite));
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    'run safely from two processes at once (advisory lock)',
    async () => {
      const first = await createTestDatabase();
      opened.push(first);
      if (!first.url) throw new Error('expected a PostgreSQL test database');
      const a = createDatabase({ url: first.url });
      const b = createDatabase({ url: first.url });
      opened.push(a, b);
      await Promise.all([a.migrate(), b.migrate()]);
      const { rows } = await a.db.execute<{ n: number }>(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      expect(rows[0]?.n).toBeGreaterThan(0);
    },
  );
});

describe('listen/notify', () => {
  it('delivers a notification sent inside a committed transaction', async () => {
    const db = await createTestDatabase();
    opened.push(db);
    const received: string[] = [];
    const unlisten = await db.listen('sb_test_channel', (p) => received.push(p));
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_notify('sb_test_channel', 'hello')`);
    });
    await expect.poll(() => received, { timeout: 5000 }).toEqual(['hello']);
    await unlisten();
  });

  it('does not deliver a notification from a rolled-back transaction', async () => {
    const db = await createTestDatabase();
    opened.push(db);
    const received: string[] = [];
    await db.listen('sb_test_rollback', (p) => received.push(p));
    await db.db
      .transaction(async (tx) => {
        await tx.execute(sql`select pg_notify('sb_test_rollback', 'nope')`);
        throw new Error('rollback');
      })
      .catch(() => {});
    await db.db.execute(sql`select pg_notify('sb_test_rollback', 'after')`);
    await expect.poll(() => received, { timeout: 5000 }).toEqual(['after']);
  });
});

describe('an embedded database on disk', () => {
  it('starts in a data directory whose parents do not exist yet (a first start, issue 13)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sb-data-'));
    const dataDir = path.join(root, 'not', 'there', 'pglite');
    const first = createDatabase({ dataDir });
    try {
      await first.migrate();
      await first.db.execute(sql`create table kept (v int)`);
      await first.db.execute(sql`insert into kept values (42)`);
    } finally {
      await first.close();
    }
    // And the data is really there: a second open of the same directory reads it back.
    const again = createDatabase({ dataDir });
    try {
      const { rows } = await again.db.execute<{ v: number }>(sql`select v from kept`);
      expect(rows).toEqual([{ v: 42 }]);
    } finally {
      await again.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
