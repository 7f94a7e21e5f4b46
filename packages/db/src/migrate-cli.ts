// `pnpm db:migrate`: applies migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
import path from 'node:path';
import { createDatabase } from './client.ts';

const url = process.env.DATABASE_URL || undefined;
const dataDir = path.resolve(
  process.env.INIT_CWD ?? process.cwd(),
  process.env.DATA_DIR ?? '.data',
  'pglite',
);
const handle = createDatabase(url ? { url } : { dataDir });
try {
  await handle.migrate();
  console.log(`migrations applied (${handle.kind}${url ? '' : ` in ${dataDir}`})`);
} finally {
  await handle.close();
}
