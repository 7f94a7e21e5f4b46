import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnServer } from './harness.ts';

const dbPackageDir = fileURLToPath(new URL('../../../packages/db', import.meta.url));

/** `pnpm db:migrate` as a child process: its exit code and stderr. */
function runMigrateCli(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/migrate-cli.ts'], {
    cwd: dbPackageDir,
    env: { ...process.env, DATABASE_URL: '', INIT_CWD: dbPackageDir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('one process per embedded database (#13 item 3)', () => {
  it('db:migrate and a second server refuse a DATA_DIR a running server holds, naming its pid', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-lock-'));
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', SEED_STARTER_POOL: 'false' };
    const server = await spawnServer(env);
    try {
      const holder = `pid ${server.child.pid} (server, since `;
      const migrate = await runMigrateCli({ DATA_DIR: dataDir });
      expect(migrate.code).toBe(1);
      expect(migrate.stderr).toContain(holder);
      expect(migrate.stderr).not.toContain('    at '); // a message, not a stack trace

      await expect(spawnServer(env)).rejects.toThrow(
        new RegExp(`exited with 1:[\\s\\S]*Could not start the server: .*${holder.replace(/[()]/g, '\\$&')}`),
      );
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    // Released on a clean stop: the next process opens it.
    const after = await runMigrateCli({ DATA_DIR: dataDir });
    expect(after).toEqual({ code: 0, stderr: '' });
    rmSync(dataDir, { recursive: true, force: true });
  }, 240_000);
});
