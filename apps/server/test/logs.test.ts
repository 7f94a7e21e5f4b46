import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareMigratedDataDir } from '@skillbytes/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from './harness.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-logs-'));
// A migrated copy: the servers here are about their log lines, not a first start (initdb costs seconds).
beforeAll(() => prepareMigratedDataDir(path.join(dataDir, 'pglite')));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('log format (#13 item 6)', () => {
  it('LOG_FORMAT=pretty prints one readable line per event, with the level and the fields', async () => {
    const server = await spawnServer({
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      SEED_STARTER_POOL: 'false',
      LOG_FORMAT: 'pretty',
    });
    try {
      await fetch(`${server.url}/no-such-route`);
      await expect
        .poll(() => server.logs.some((l) => /\bINFO\b.*request/.test(l)), { timeout: 30_000 })
        .toBe(true);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    const lines = server.logs.flatMap((chunk) => chunk.split('\n')).filter((l) => l.trim());
    expect(lines.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: server listening .*"port":/.test(l))).toBe(
      true,
    );
    expect(lines.filter(isJson)).toEqual([]);
    expect(lines.join('\n')).not.toContain('\u001b['); // no colours when stdout is not a terminal
  }, 180_000);

  it('a pipe gets JSON lines by default (LOG_FORMAT=auto off a terminal)', async () => {
    const server = await spawnServer({ DATA_DIR: dataDir, DATABASE_URL: '', SEED_STARTER_POOL: 'false' });
    try {
      const lines = server.logs.filter((l) => l.trim());
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every(isJson)).toBe(true);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 180_000);
});
