import type { DatabaseHandle } from '@skillbytes/db';
import pg from 'pg';

/** The one thing the dataset generator needs from a database: run a statement, get rows back. */
export interface SqlClient {
  readonly kind: 'pg' | 'pglite';
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  close(): Promise<void>;
}

/** A single `pg` connection (session settings such as maintenance_work_mem stick to it). */
export async function pgClient(url: string): Promise<SqlClient> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    kind: 'pg',
    async query<T>(text: string) {
      const result = await client.query(text);
      return result.rows as T[];
    },
    close: () => client.end(),
  };
}

/** The embedded database, through the app's own factory (so the same migrations apply). */
export function pgliteClient(handle: DatabaseHandle): SqlClient {
  return {
    kind: 'pglite',
    async query<T>(text: string) {
      const result = await handle.db.execute(text);
      return result.rows as T[];
    },
    close: () => handle.close(),
  };
}

/** A connection string with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on a connection of its own (creating and dropping databases, server settings). */
export async function adminQuery<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}
