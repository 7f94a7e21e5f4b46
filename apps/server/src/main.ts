import { ConfigError, loadConfig } from './config.ts';
import { loadDotEnv } from './env-file.ts';
import { startServer } from './server.ts';
import { markPhase } from './startup-phases.ts';

markPhase('modules');

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

const server = await startServer(config).catch((error: unknown) => {
  console.error(`Could not start the server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

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
