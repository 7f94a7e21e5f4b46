import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { expect } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../src/index.ts';
import { createEmptyDatabase, createEmptyPgDatabase } from '../src/testing.ts';
import { scratchDatabases } from './scratch-databases.ts';

const MIGRATIONS = path.resolve(import.meta.dirname, '../drizzle');

/**
 * Databases as they were before a change, for testing a migration on existing data: migrated up to a
 * given migration, so a test can fill them the old way and then run the rest (`handle.migrate()`).
 * PGlite in memory, or a scratch PostgreSQL database with TEST_DATABASE_URL; closed (and dropped)
 * after the test file.
 */
export function earlierSchemas(prefix: string) {
  const { scratch, track } = scratchDatabases(prefix);

  /** A copy of the migrations folder that stops at `tag`. */
  function migrationsUntil(tag: string): string {
    const dir = path.join(scratch, `until-${tag}`);
    mkdirSync(path.join(dir, 'meta'), { recursive: true });
    const journal = JSON.parse(readFileSync(path.join(MIGRATIONS, 'meta/_journal.json'), 'utf8'));
    const last = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
    expect(last).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, last + 1);
    writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries as { tag: string }[]) {
      cpSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.sql'))).toHaveLength(last + 1);
    return dir;
  }

  async function openDatabase(): Promise<DatabaseHandle> {
    const adminUrl = process.env.TEST_DATABASE_URL;
    if (!adminUrl) return track(await createEmptyDatabase());
    const empty = await createEmptyPgDatabase(adminUrl);
    const handle = createDatabase({ url: empty.url, poolMax: 2 });
    return track({
      ...handle,
      async close() {
        await handle.close();
        await empty.drop();
      },
    });
  }

  return {
    /** A fresh database migrated up to and including the migration `tag`. */
    async openAt(tag: string): Promise<DatabaseHandle> {
      const handle = await openDatabase();
      const migrationsFolder = migrationsUntil(tag);
      if (handle.kind === 'pg') await migratePg(handle.db as never, { migrationsFolder });
      else await migratePglite(handle.db as never, { migrationsFolder });
      return handle;
    },
  };
}
