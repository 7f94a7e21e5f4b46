// Only what reading the configuration needs is imported up front: the rest of the app (the API, the
// HTTP adapter) loads while the database opens, below.
import { ConfigError, loadConfig } from './config.ts';
import { loadDotEnv } from './env-file.ts';
import { markPhase } from './startup-phases.ts';

markPhase('configModules');

// Relative paths (DATA_DIR) and `.env` are relative to where the user ran `pnpm start`, not to this package.
const cwd = process.env.INIT_CWD ?? process.cwd();
let config: ReturnType<typeof loadConfig>;
try {
  loadDotEnv(cwd, process.env.NODE_ENV);
  config = loadConfig(process.env, cwd);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const fail = (error: unknown): never => {
  console.error(`Could not start the server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
};

// PGlite compiles its WebAssembly on V8's background threads and reads its files while the main thread
// loads the app's modules; startServer takes the database from here. Handled at once (startServer still
// sees the rejection), so a lock error during the imports is not an unhandled rejection.
const { openDatabase } = await import('./open-database.ts');
const database = openDatabase(config);
database.catch(() => {});
const { startServer } = await import('./server.ts').catch(fail);
markPhase('modules');
const server = await startServer(config, { database }).catch(fail);

let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(1);
    server.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
