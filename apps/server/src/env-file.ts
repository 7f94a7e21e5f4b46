import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Development convenience: unless NODE_ENV=production, a `.env` in `cwd` (where `pnpm start` ran)
 * is read into process.env by node's own `process.loadEnvFile`, which never overrides a variable
 * already set. Production reads its environment only. Returns the file it read, or undefined.
 */
export function loadDotEnv(cwd: string, nodeEnv: string | undefined): string | undefined {
  if (nodeEnv === 'production') return undefined;
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}
