// `pnpm db:migrate`: applies migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
import path from 'node:path';
import { createDatabase, type DatabaseHandle } from './client.ts';
import { DatabaseLockedError } from './data-dir-lock.ts';

const url = process.env.DATABASE_URL || undefined;
const dataDir = path.resolve(
  process.env.INIT_CWD ?? process.cwd(),
  process.env.DATA_DIR ?? '.data',
  'pglite',
);
let handle: DatabaseHandle;
try {
  handle = createDatabase(url ? { url } : { dataDir, purpose: 'db:migrate' });
} catch (error) {
  // A running server holds the embedded database: say so instead of a stack trace.
  if (error instanceof DatabaseLockedError) {
    console.error(`db:migrate: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
try {
  await handle.migrate();
  console.log(`migrations applied (${handle.kind}${url ? '' : ` in ${dataDir}`})`);
} finally {
  await handle.close();
}
