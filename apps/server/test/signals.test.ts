import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The process the README starts, `pnpm start` at the repository root (pnpm, then pnpm again for the
 * server package, then node), stops within seconds on SIGTERM to its top process (what a service
 * manager sends) and on SIGINT to its whole process group (what Ctrl-C in a terminal sends), with
 * nothing left running. Runs under `pnpm test` (npm_execpath is pnpm); elsewhere there is no pnpm to start.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const pnpm = process.env.npm_execpath ?? '';
const underPnpm = /pnpm/.test(path.basename(pnpm)) || /pnpm/.test(pnpm);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Every live descendant of `pid`, read from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

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
        // A tiny built app, so `pnpm start` does not build the real one.
        const web = path.join(dir, 'web');
        mkdirSync(web);
        writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
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
