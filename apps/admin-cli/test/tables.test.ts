import { startTestServer, type TestServer, trpcPost } from '@skillbytes/server/testing';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApiKey, hasScript, resultOf, runCli, runInTerminal } from './cli-harness.ts';

const ADMIN = { email: 'tables-admin@example.com', password: 'tables-admin-password-7' };
const LONG_EMAIL = `a.person.with.a.rather.long.address.${'x'.repeat(30)}@example.com`;

let server: TestServer;
let apiKey: string;
const ids: string[] = [];

beforeAll(async () => {
  server = await startTestServer({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_STARTER_POOL: 'false',
  });
  ({ apiKey } = await createAdminApiKey(server.url, ADMIN, 'tables tests'));
  for (const [email, username] of [
    [LONG_EMAIL, 'longmail'],
    ['eve@example.com', 'eve'],
  ] as const) {
    const signup = await trpcPost(server.url, 'auth.signup', {
      email,
      username,
      password: 'a-long-table-password-5',
      tokenDelivery: 'body',
    });
    ids.push(resultOf<{ user: { id: string } }>(signup).user.id);
  }
}, 120_000);
afterAll(() => server?.close());

const admin = (args: string[], env: Record<string, string> = {}) =>
  runCli(['--url', server.url, '--api-key', apiKey, ...args], { env });
const HEADER = ['id', 'email', 'username', 'role', 'points', 'created', 'status'];

describe('tables', () => {
  it('are tab-separated with a header line and nothing cut when stdout is not a terminal', async () => {
    const r = await admin(['users', 'list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.replace(/\n$/, '').split('\n');
    expect(lines[0]).toBe(HEADER.join('\t'));
    expect(lines).toHaveLength(4); // the admin and the two users
    for (const line of lines) expect(line.split('\t')).toHaveLength(HEADER.length);
    const row = lines.find((l) => l.includes('longmail'))!.split('\t');
    expect(row.slice(0, 4)).toEqual([ids[0], LONG_EMAIL, 'longmail', 'user']);
    expect(r.stdout).not.toMatch(/[─│┌┐└┘…]/); // no box drawing, nothing cut
    expect(r.stdout).not.toContain('\u001b['); // no colour
  });

  it('are aligned columns on a terminal, and cut to its width with the ids kept whole', async () => {
    const wide = await admin(['users', 'list'], { SKILLBYTES_FORCE_TTY: '1', COLUMNS: '240' });
    expect(wide.code, wide.stderr).toBe(0);
    expect(wide.stdout).not.toContain('\t');
    expect(wide.stdout).toContain(LONG_EMAIL);
    const [header, ...rows] = wide.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(HEADER);
    // The usernames start under the header's username column.
    const at = header!.indexOf('username');
    expect(rows.find((row) => row.includes('longmail'))!.slice(at)).toMatch(/^longmail /);
    expect(rows.find((row) => row.includes('eve@'))!.slice(at)).toMatch(/^eve /);

    const narrow = await admin(['users', 'list'], { SKILLBYTES_FORCE_TTY: '1', COLUMNS: '100' });
    expect(narrow.code, narrow.stderr).toBe(0);
    const lines = narrow.stdout.trimEnd().split('\n');
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(100);
    expect(narrow.stdout).not.toContain(LONG_EMAIL);
    expect(narrow.stdout).toContain('a.person.with.');
    expect(narrow.stdout).toContain('…');
    for (const id of ids) expect(narrow.stdout).toContain(id);
  });

  it.skipIf(!hasScript)('are fitted to a real terminal the width `stty` gives it', async () => {
    const r = await runInTerminal(['--url', server.url, '--api-key', apiKey, 'users', 'list'], {
      columns: 96,
    });
    expect(r.code, r.output).toBe(0);
    const lines = r.output.split(/\r?\n/).filter((l) => /^[0-9a-f]{8}-/.test(l));
    expect(lines, r.output).toHaveLength(3);
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(96);
    expect(r.output).toContain('…');
    for (const id of ids) expect(r.output).toContain(id);
  });

  it('every list prints {items, nextCursor} with --json', async () => {
    for (const args of [
      ['users', 'list'],
      ['users', 'list', '--limit', '1'],
      ['keys', 'list'],
      ['challenges', 'list'],
    ]) {
      const r = await admin([...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      const page = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(Object.keys(page).sort(), args.join(' ')).toEqual(['items', 'nextCursor']);
      expect(Array.isArray(page.items)).toBe(true);
    }
    const first = JSON.parse((await admin(['users', 'list', '--limit', '1', '--json'])).stdout) as {
      nextCursor: string;
    };
    expect(first.nextCursor).toEqual(expect.any(String));
    const human = await admin(['users', 'list', '--limit', '1']);
    expect(human.stderr).toContain(`more: --cursor ${first.nextCursor}`);
    expect(human.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('an empty list says so on stderr and prints nothing on stdout', async () => {
    const r = await admin(['challenges', 'list']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no challenges');
  });
});
