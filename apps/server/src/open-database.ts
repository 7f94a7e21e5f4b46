import path from 'node:path';
import { createDatabase, type EmbeddedDatabase, openEmbeddedDatabase } from '@skillbytes/db';
import type { ServerConfig } from './config.ts';

/**
 * PostgreSQL, or the embedded database in DATA_DIR. A server that migrates and seeds its embedded database
 * starts a new one from the starter snapshot in CACHE_DIR (`openEmbeddedDatabase`).
 */
export async function openDatabase(config: ServerConfig): Promise<EmbeddedDatabase> {
  if (config.databaseUrl) {
    const database = createDatabase({ url: config.databaseUrl, poolMax: config.env.DATABASE_POOL_MAX });
    return { database, origin: 'existing' };
  }
  const dataDir = path.join(config.dataDir, 'pglite');
  if (config.migrateOnStart && config.seedStarterPool) {
    return openEmbeddedDatabase({ dataDir, cacheDir: config.cacheDir, purpose: 'server' });
  }
  return { database: createDatabase({ dataDir, purpose: 'server' }), origin: 'existing' };
}
