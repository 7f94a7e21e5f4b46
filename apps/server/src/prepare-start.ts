// `pnpm start`'s build step runs this after the build (scripts/build-for-start.mjs): it makes sure the
// starter snapshot a new DATA_DIR starts from is in CACHE_DIR, so that even the first start on a new
// clone copies it instead of running initdb, the migrations and the seed. Never stops the start: a bad
// configuration is the server's to report, and a cache that cannot be written only costs that time.
import { ensureStarterSnapshot } from '@skillbytes/db';
import { ConfigError, loadConfig } from './config.ts';
import { loadDotEnv } from './env-file.ts';

const cwd = process.env.INIT_CWD ?? process.cwd();
try {
  loadDotEnv(cwd, process.env.NODE_ENV);
  const config = loadConfig(process.env, cwd);
  if (!config.databaseUrl && config.migrateOnStart && config.seedStarterPool) {
    const { file, built } = await ensureStarterSnapshot(config.cacheDir);
    if (built) console.log(`Built the starter database a new DATA_DIR starts from: ${file}`);
  }
} catch (error) {
  if (error instanceof ConfigError) process.exit(0);
  console.warn(
    `No starter database snapshot in CACHE_DIR (${error instanceof Error ? error.message : String(error)}): a new DATA_DIR is made by initdb instead.`,
  );
}
