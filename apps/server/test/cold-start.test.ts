import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createDatabase, ensureStarterSnapshot, loadStarterChallenges } from '@skillbytes/db';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer, trpcGet } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'sb-cold-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const newDir = (name: string) => {
  const dir = path.join(scratch, `${name}-${dirs++}`);
  mkdirSync(dir);
  return dir;
};

/** How the server's embedded database came to be, from its `new embedded database (...)` log line. */
function originOf(server: ServerProcess): string | undefined {
  for (const line of server.logs) {
    const origin = /"msg":"new embedded database \((\w+)\)"/.exec(line)?.[1];
    if (origin) return origin;
  }
  return undefined;
}

/** The tag counts `challenges.topics` answers, and the ones the starter pool has. */
async function servedAndStarterTopics(url: string) {
  const { body } = await trpcGet(url, 'challenges.topics');
  const counts = new Map<string, number>();
  for (const c of await loadStarterChallenges())
    for (const t of c.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const served = (body.result?.data.json as { tag: string; count: number }[]) ?? [];
  return {
    served: Object.fromEntries(served.map((t) => [t.tag, t.count])),
    starter: Object.fromEntries(counts),
  };
}

/** initdb gives every cluster its own system identifier; a copy of a data directory keeps it. */
async function systemIdentifier(open: Parameters<typeof createDatabase>[0]) {
  const database = createDatabase(open);
  try {
    const r = await database.db.execute<{ id: string }>(
      sql`select system_identifier::text as id from pg_control_system()`,
    );
    return r.rows[0]!.id;
  } finally {
    await database.close();
  }
}

const snapshotFiles = (cacheDir: string) => readdirSync(cacheDir).filter((f) => f.startsWith('pglite-'));

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** src/prepare-start.ts as `pnpm start`'s build step runs it (there built, here through tsx). */
function prepareStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/prepare-start.ts'], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: newDir('data'), INIT_CWD: serverDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))(
  'cold start on the embedded database (issue 14 item 3)',
  () => {
    it("pnpm start's build step puts the starter snapshot into CACHE_DIR once, unless the server would not use it", async () => {
      const cacheDir = newDir('cache');
      const first = await prepareStart({ CACHE_DIR: cacheDir });
      expect(first.code).toBe(0);
      expect(first.output).toContain('Built the starter database');
      expect(snapshotFiles(cacheDir)).toHaveLength(1);
      expect(await prepareStart({ CACHE_DIR: cacheDir })).toEqual({ code: 0, output: '' });
      const unseeded = newDir('cache');
      expect(await prepareStart({ CACHE_DIR: unseeded, SEED_STARTER_POOL: 'false' })).toEqual({
        code: 0,
        output: '',
      });
      expect(snapshotFiles(unseeded)).toEqual([]);
    }, 240_000);

    it('a new DATA_DIR starts as a copy of the cached starter snapshot and serves the seeded pool', async () => {
      const cacheDir = newDir('cache');
      const { file } = await ensureStarterSnapshot(cacheDir);
      const dataDir = newDir('data');
      const server = await spawnServer({ DATA_DIR: dataDir, CACHE_DIR: cacheDir });
      try {
        expect(originOf(server)).toBe('snapshot');
        const { served, starter } = await servedAndStarterTopics(server.url);
        expect(served).toEqual(starter);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      const copied = await systemIdentifier({ dataDir: path.join(dataDir, 'pglite') });
      expect(copied).toBe(await systemIdentifier({ snapshot: new Blob([gunzipSync(readFileSync(file))]) }));
    }, 240_000);

    it('a truncated cached snapshot is not used: the server runs initdb, serves the pool and saves a whole snapshot over it', async () => {
      const cacheDir = newDir('cache');
      const { file } = await ensureStarterSnapshot(cacheDir);
      const whole = readFileSync(file);
      writeFileSync(file, whole.subarray(0, whole.length - 1000));
      const server = await spawnServer({ DATA_DIR: newDir('data'), CACHE_DIR: cacheDir });
      try {
        expect(originOf(server)).toBe('initdb');
        expect(server.logs.join('\n')).toContain('starter snapshot not used');
        const { served, starter } = await servedAndStarterTopics(server.url);
        expect(served).toEqual(starter);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      // Saved over the broken file: it reads again.
      expect(() => gunzipSync(readFileSync(file))).not.toThrow();
    }, 240_000);

    it('two first starts at once on one empty cache both start, and leave one whole snapshot that the next start uses', async () => {
      const cacheDir = newDir('cache');
      const servers = await Promise.all([
        spawnServer({ DATA_DIR: newDir('data'), CACHE_DIR: cacheDir }),
        spawnServer({ DATA_DIR: newDir('data'), CACHE_DIR: cacheDir }),
      ]);
      try {
        for (const server of servers) {
          expect(['initdb', 'snapshot']).toContain(originOf(server));
          const { served, starter } = await servedAndStarterTopics(server.url);
          expect(served).toEqual(starter);
        }
      } finally {
        for (const server of servers) expect(await server.stop()).toBe(0);
      }
      const files = snapshotFiles(cacheDir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^pglite-starter-[0-9a-f]{16}\.tar\.gz$/);
      const next = await spawnServer({ DATA_DIR: newDir('data'), CACHE_DIR: cacheDir });
      try {
        expect(originOf(next)).toBe('snapshot');
      } finally {
        expect(await next.stop()).toBe(0);
      }
    }, 300_000);
  },
);
