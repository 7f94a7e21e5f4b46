import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareMigratedDataDir } from '@skillbytes/db/testing';
import { describe, expect, it } from 'vitest';
import { alive, commandLine, descendants, freePort, waitFor } from './processes.ts';

/**
 * The process the README starts, `pnpm start` at the repository root (pnpm, then pnpm again for the
 * server package, then node), stops within seconds on SIGTERM to its top process (what a service
 * manager sends) and on SIGINT to its whole process group (what Ctrl-C in a terminal sends), with
 * nothing left running; what it runs is the built server, by plain node. Runs under `pnpm test`
 * (npm_execpath is pnpm); elsewhere there is no pnpm to start.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const pnpm = process.env.npm_execpath ?? '';
const underPnpm = /pnpm/.test(path.basename(pnpm)) || /pnpm/.test(pnpm);

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  );

describe.skipIf(!underPnpm || process.platform !== 'linux')(
  'pnpm start, as the README runs it (#13 item 3)',
  () => {
    it.each([
      ['SIGTERM to its top process', 'SIGTERM', false],
      ['SIGINT to its process group (Ctrl-C)', 'SIGINT', true],
    ] as const)(
      'stops on %s within seconds, leaving nothing running',
      async (_what, signal, group) => {
        const dir = mkdtempSync(path.join(tmpdir(), 'sb-signals-'));
        // A tiny built app, so `pnpm start` builds only the server (and the packages it imports).
        const web = path.join(dir, 'web');
        mkdirSync(web);
        writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
        // A migrated copy: this is about signals, not a first start (initdb costs seconds of CPU).
        await prepareMigratedDataDir(path.join(dir, 'data', 'pglite'));
        const port = await freePort();
        const child = spawn(process.execPath, [pnpm, 'start'], {
          cwd: root,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            PORT: String(port),
            HOST: '127.0.0.1',
            DATA_DIR: path.join(dir, 'data'),
            DATABASE_URL: '',
            WEB_DIST: web,
            SEED_STARTER_POOL: 'false',
            LOG_LEVEL: 'warn',
          },
        });
        let output = '';
        child.stdout?.on('data', (d) => {
          output += String(d);
        });
        child.stderr?.on('data', (d) => {
          output += String(d);
        });
        const pid = child.pid!;
        try {
          expect(await waitFor(() => answers(port), 120_000), `never answered:\n${output}`).toBe(true);
          const tree = [pid, ...descendants(pid)];
          expect(tree.length, 'pnpm, pnpm and node').toBeGreaterThanOrEqual(2);
          // The server is built JavaScript run by plain node, not TypeScript through tsx (#13 item 2).
          const commands = tree.map(commandLine);
          expect(
            commands.find((c) => c.includes('main.')),
            commands.join('\n'),
          ).toMatch(/(^|\/)node --conditions=skillbytes-built dist\/main\.js$/);
          process.kill(group ? -pid : pid, signal);
          // Generous for a busy machine; a server that ignores the signal never gets there.
          const stopped = await waitFor(() => tree.every((p) => !alive(p)), 20_000);
          expect(stopped, `still running: ${tree.filter(alive).join(', ')}\n${output}`).toBe(true);
          expect(await answers(port)).toBe(false);
        } finally {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // already gone
          }
          rmSync(dir, { recursive: true, force: true });
        }
      },
      180_000,
    );
  },
);
