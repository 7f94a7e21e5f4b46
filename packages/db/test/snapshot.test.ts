import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from '../src/client.ts';
import { createDatabase, type DatabaseHandle } from '../src/index.ts';
import {
  createEmptyDatabase,
  createTestDatabase,
  emptySnapshot,
  migratedSnapshot,
  prepareMigratedDataDir,
} from '../src/testing.ts';
import { scratchDatabases } from './scratch-databases.ts';

const { scratch, track } = scratchDatabases('sb-snapshot-test-');

/**
 * initdb gives every new cluster its own system identifier (from the clock and the pid); a copy of a
 * data directory keeps it. Equal identifiers mean "copied from the same snapshot".
 */
async function systemIdentifier(handle: DatabaseHandle) {
  const r = await handle.db.execute<{ id: string }>(
    sql`select system_identifier::text as id from pg_control_system()`,
  );
  return r.rows[0]!.id;
}

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))(
  'the test helpers on PGlite (issue 14 item 4)',
  () => {
    it('createTestDatabase loads the migrated snapshot instead of running initdb per file', async () => {
      const a = track(await createTestDatabase());
      const b = track(await createTestDatabase());
      const direct = track(createDatabase({ snapshot: await migratedSnapshot() }));
      // Tables before any migrate(): the dump is what the database starts from.
      expect(await direct.pendingMigrations()).toBe(0);
      const id = await systemIdentifier(direct);
      expect(await systemIdentifier(a)).toBe(id);
      expect(await systemIdentifier(b)).toBe(id);
      // ...and initdb would have made a cluster of its own.
      const empty = track(createDatabase());
      expect(await systemIdentifier(empty)).not.toBe(id);
    });

    it('createEmptyDatabase loads the empty snapshot: every migration pending, the same cluster each time', async () => {
      const a = track(await createEmptyDatabase());
      const b = track(await createEmptyDatabase());
      const direct = track(createDatabase({ snapshot: await emptySnapshot() }));
      const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8'));
      expect(await a.pendingMigrations()).toBe(journal.entries.length);
      expect(await b.pendingMigrations()).toBe(journal.entries.length);
      // Two initdb runs give two system identifiers; copies of one dump share its identifier.
      const id = await systemIdentifier(direct);
      expect(await systemIdentifier(a)).toBe(id);
      expect(await systemIdentifier(b)).toBe(id);
      // ...which is not the migrated snapshot's.
      expect(id).not.toBe(
        await systemIdentifier(track(createDatabase({ snapshot: await migratedSnapshot() }))),
      );
    });

    it('prepareMigratedDataDir fills a data directory from the same snapshot, migrated before any migrate()', async () => {
      const dataDir = path.join(scratch, 'prepared', 'pglite');
      await prepareMigratedDataDir(dataDir);
      const handle = track(createDatabase({ dataDir }));
      expect(await handle.pendingMigrations()).toBe(0);
      const direct = track(createDatabase({ snapshot: await migratedSnapshot() }));
      expect(await systemIdentifier(handle)).toBe(await systemIdentifier(direct));
    });
  },
);

describe('createDatabase with a snapshot', () => {
  it('keeps a data directory that already holds a database as it is', async () => {
    const dataDir = path.join(scratch, 'kept');
    const first = createDatabase({ dataDir });
    await first.db.execute(sql`create table kept_marker (n int)`);
    await first.close();
    const again = track(createDatabase({ dataDir, snapshot: await migratedSnapshot() }));
    const r = await again.db.execute<{ present: boolean }>(
      sql`select to_regclass('public.kept_marker') is not null as present`,
    );
    expect(r.rows[0]?.present).toBe(true);
    expect(await again.pendingMigrations()).toBeGreaterThan(0);
  });
});
