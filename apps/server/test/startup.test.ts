import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '@skillbytes/db';
import { createEmptyPgDatabase, prepareMigratedDataDir } from '@skillbytes/db/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
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
    // A migrated copy: what is under test is the lock, not a first start (initdb costs seconds).
    await prepareMigratedDataDir(path.join(dataDir, 'pglite'));
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

describe('MIGRATE_ON_START=false', () => {
  /** A server in this process with MIGRATE_ON_START=false on the given (unmigrated) database. */
  const start = (env: Record<string, string>) =>
    startServer(
      loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        LOG_LEVEL: 'silent',
        JUDGE_WORKERS: '1',
        SEED_STARTER_POOL: 'false',
        MIGRATE_ON_START: 'false',
        WEB_DIST: path.join(env.DATA_DIR ?? tmpdir(), 'no-web-app'),
        JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
        MFA_ENCRYPTION_KEY: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=',
        ...env,
      }),
      { logger: pino({ level: 'silent' }) },
    );

  async function refusesUntilMigrated(
    env: Record<string, string>,
    open: () => ReturnType<typeof createDatabase>,
  ) {
    await expect(start(env)).rejects.toThrow(
      /lacks \d+ migration\(s\) and MIGRATE_ON_START=false: run `pnpm db:migrate`/,
    );
    // Nothing was migrated (and the failed start let go of the database).
    const db = open();
    try {
      expect(await db.pendingMigrations()).toBeGreaterThan(0);
      await db.migrate();
    } finally {
      await db.close();
    }
    const server = await start(env);
    await server.shutdown();
  }

  it('refuses to start on an unmigrated embedded database, and starts once it is migrated', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-nomigrate-'));
    try {
      await refusesUntilMigrated({ DATA_DIR: dataDir }, () =>
        createDatabase({ dataDir: path.join(dataDir, 'pglite') }),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'does the same on PostgreSQL',
    async () => {
      const pg = await createEmptyPgDatabase(process.env.TEST_DATABASE_URL!);
      const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-nomigrate-'));
      try {
        await refusesUntilMigrated({ DATABASE_URL: pg.url, DATA_DIR: dataDir }, () =>
          createDatabase({ url: pg.url, poolMax: 2 }),
        );
      } finally {
        await pg.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
