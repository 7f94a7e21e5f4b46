import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startTestServer,
  type TestServer,
  type TrpcBody,
  trpcGet,
  trpcPost,
} from '@skillbytes/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasScript, runCli, runInTerminal } from './cli-harness.ts';

/** The result of a successful call (the error, if it failed). */
function dataOf<T>(body: TrpcBody): T {
  if (!body.result) throw new Error(`call failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json as T;
}

const ADMIN = { email: 'users-cli-admin@example.com', password: 'harbour quince slalom 61' };
const PASSWORD = 'lagoon pepper trellis 58';

let server: TestServer;
let configDir: string;
const people: Record<string, { id: string; token: string }> = {};

beforeAll(async () => {
  server = await startTestServer({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_STARTER_POOL: 'false',
    PUBLIC_URL: 'https://app.skillbytes.test',
  });
  for (const username of ['ada_l', 'grace_h', 'alan_t']) {
    const { body } = await trpcPost(server.url, 'auth.signup', {
      email: `${username}@example.com`,
      username,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const data = dataOf<{ user: { id: string }; accessToken: string }>(body);
    people[username] = { id: data.user.id, token: data.accessToken };
  }
  configDir = mkdtempSync(path.join(tmpdir(), 'sb-cli-users-'));
  const login = await admin(['login', '--email', ADMIN.email, '--password-stdin'], ADMIN.password);
  expect(login.code, login.stderr).toBe(0);
}, 120_000);
afterAll(() => server?.close());

const env = { SKILLBYTES_API_KEY: undefined as unknown as string };
function admin(args: string[], stdin?: string) {
  return runCli(['--url', server.url, ...args], { configDir, stdin, env });
}

describe('skillbytes-admin users', () => {
  it('lists accounts as a table, filters with --query, and prints JSON with --json', async () => {
    const all = await admin(['users', 'list']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/email.*username.*role/);
    for (const name of ['ada_l', 'grace_h', 'alan_t']) expect(all.stdout).toContain(name);

    const some = await admin(['users', 'list', '--query', 'GRACE', '--json']);
    const page = JSON.parse(some.stdout) as { items: { username: string }[]; nextCursor: string | null };
    expect(page.items.map((u) => u.username)).toEqual(['grace_h']);
    expect(some.stdout).not.toContain('passwordHash');
  });

  it('shows one account by username or id', async () => {
    const byName = await admin(['users', 'show', 'ADA_L']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toMatch(/email\s+ada_l@example.com/);
    expect(byName.stdout).toMatch(/sessions\s+1/);
    const byId = await admin(['users', 'show', people.alan_t!.id, '--json']);
    expect(JSON.parse(byId.stdout)).toMatchObject({ username: 'alan_t', role: 'user' });
  });

  it('promotes and demotes by username; the promoted user is signed out and then has admin rights', async () => {
    const up = await admin(['users', 'promote', 'grace_h']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('grace_h is now an admin');
    const old = await trpcGet(server.url, 'auth.me', undefined, {
      authorization: `Bearer ${people.grace_h!.token}`,
    });
    expect(old.res.status).toBe(401);
    const { body } = await trpcPost(server.url, 'auth.login', {
      identifier: 'grace_h',
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const token = dataOf<{ accessToken: string }>(body).accessToken;
    const list = await trpcGet(server.url, 'admin.users.list', {}, { authorization: `Bearer ${token}` });
    expect(list.res.status).toBe(200);

    expect((await admin(['users', 'promote', 'grace_h'])).stdout).toContain('already was an admin');
    const down = await admin(['users', 'demote', 'grace_h', '--yes', '--json']);
    expect(JSON.parse(down.stdout)).toMatchObject({ role: 'user', changed: true });
    const refused = await trpcGet(server.url, 'admin.users.list', {}, { authorization: `Bearer ${token}` });
    expect(refused.res.status).toBe(401);
  });

  it('refuses to demote the last admin (exit 1, LAST_ADMIN)', async () => {
    const who = JSON.parse((await admin(['whoami', '--json'])).stdout) as { id: string };
    const r = await admin(['users', 'demote', who.id, '-y']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CONFLICT (LAST_ADMIN)');
  });

  it('an unknown user exits 1 with NOT_FOUND; a malformed name is a usage error', async () => {
    const unknown = await admin(['users', 'show', 'nobody_here']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND (USER_NOT_FOUND)');
    const bad = await admin(['users', 'promote', 'not a name!']);
    expect(bad.code).toBe(2);
    expect((await admin(['users', 'list', '--limit', '0'])).code).toBe(2);
  });

  it('demote without --yes is refused when stdin is not a terminal (exit 2), and changes nothing', async () => {
    expect((await admin(['users', 'promote', 'alan_t'])).code).toBe(0);
    const r = await admin(['users', 'demote', 'alan_t']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('demote alan_t needs confirmation and stdin is not a terminal: pass --yes');
    expect(JSON.parse((await admin(['users', 'show', 'alan_t', '--json'])).stdout)).toMatchObject({
      role: 'admin',
    });
    expect((await admin(['users', 'demote', 'alan_t', '--yes'])).code).toBe(0);
  });

  it.skipIf(!hasScript)('on a terminal, demote asks y/N: "n" cancels (exit 2), "y" demotes', async () => {
    expect((await admin(['users', 'promote', 'alan_t'])).code).toBe(0);
    const demote = (input: string) =>
      runInTerminal(['--url', server.url, 'users', 'demote', 'alan_t'], { configDir, env, input });
    const no = await demote('n\n');
    expect(no.code, no.output).toBe(2);
    expect(no.output).toContain('Demote alan_t? It loses admin rights and is signed out everywhere. [y/N]');
    expect(no.output).toContain('cancelled: did not demote alan_t');
    expect(JSON.parse((await admin(['users', 'show', 'alan_t', '--json'])).stdout).role).toBe('admin');
    const yes = await demote('y\n');
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toContain('alan_t is now a regular user');
  });

  it('revoke-sessions --yes signs an account out everywhere; without --yes it is refused', async () => {
    const { body } = await trpcPost(server.url, 'auth.login', {
      identifier: 'ada_l',
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const token = dataOf<{ accessToken: string }>(body).accessToken;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await admin(['users', 'revoke-sessions', 'ada_l'])).code).toBe(2);
    expect((await trpcGet(server.url, 'auth.me', undefined, bearer)).res.status).toBe(200);
    const r = await admin(['users', 'revoke-sessions', 'ada_l', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ username: 'ada_l', revoked: 2 });
    expect((await trpcGet(server.url, 'auth.me', undefined, bearer)).res.status).toBe(401);
    expect((await admin(['users', 'revoke-sessions', 'nobody_here', '-y'])).code).toBe(1);
  });

  it('a signed-in non-admin is refused (exit 4, FORBIDDEN)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-users-'));
    const login = await runCli(['--url', server.url, 'login', '--email', 'alan_t', '--password-stdin'], {
      configDir: dir,
      stdin: PASSWORD,
      env,
    });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('not an admin');
    const r = await runCli(['--url', server.url, 'users', 'list'], { configDir: dir, env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('FORBIDDEN');
  });

  it('reset-password prints a one-time link (and --json) that sets a new password; unknown users exit 1', async () => {
    const NEW = 'juniper canyon drumroll 22';
    const r = await admin(['users', 'reset-password', 'ADA_L']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^password reset link for ada_l \(works once, until \d{4}-\d\d-\d\dT[\d:.]+Z\):$/m,
    );
    const first = /^https:\/\/app\.skillbytes\.test\/reset-password#token=([A-Za-z0-9_-]{43})$/m.exec(
      r.stdout,
    )?.[1];
    expect(first).toBeDefined();

    const j = await admin(['users', 'reset-password', people.ada_l!.id, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const link = JSON.parse(j.stdout) as { username: string; url: string; expiresAt: string };
    expect(link).toMatchObject({ username: 'ada_l', id: people.ada_l!.id });
    expect(new Date(link.expiresAt).getTime() - Date.now()).toBeGreaterThan(25 * 60_000);
    const token = /#token=([A-Za-z0-9_-]{43})$/.exec(link.url)?.[1];

    // The newer link replaced the first one.
    const stale = await trpcPost(server.url, 'auth.resetPassword', { token: first, newPassword: NEW });
    expect(stale.body.error?.json.data.appCode).toBe('RESET_TOKEN_INVALID');
    const done = await trpcPost(server.url, 'auth.resetPassword', { token, newPassword: NEW });
    expect(done.res.status).toBe(200);
    const login = await trpcPost(server.url, 'auth.login', { identifier: 'ada_l', password: NEW });
    expect(login.res.status).toBe(200);
    const old = await trpcPost(server.url, 'auth.login', { identifier: 'ada_l', password: PASSWORD });
    expect(old.res.status).toBe(401);

    const unknown = await admin(['users', 'reset-password', 'nobody_here']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
    expect((await admin(['users', 'reset-password', 'no such name!'])).code).toBe(2);
  });
});
