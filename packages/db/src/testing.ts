import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from './client.ts';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a brand-new database
 * on the PostgreSQL server named by `TEST_DATABASE_URL` (dropped again by `close()`).
 */
export async function createTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const handle = createDatabase();
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
