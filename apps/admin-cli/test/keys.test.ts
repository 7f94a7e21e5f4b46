import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '@skillbytes/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.ts';

const ADMIN = { email: 'keys-cli-admin@example.com', password: 'meadow sprocket ember 14' };

let server: TestServer;
let configDir: string;
beforeAll(async () => {
  server = await startTestServer({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_STARTER_POOL: 'false',
  });
  configDir = mkdtempSync(path.join(tmpdir(), 'sb-cli-keys-'));
  const login = await admin(['login', '--email', ADMIN.email, '--password-stdin'], ADMIN.password);
  expect(login.code, login.stderr).toBe(0);
}, 120_000);
afterAll(() => server?.close());

const env = { SKILLBYTES_API_KEY: undefined as unknown as string };
function admin(args: string[], stdin?: string) {
  return runCli(['--url', server.url, ...args], { configDir, stdin, env });
}
const withKey = (key: string, args: string[]) => runCli(['--url', server.url, '--api-key', key, ...args]);

describe('skillbytes-admin keys', () => {
  it('create prints the key once; the key then works with --api-key; list never shows it', async () => {
    const created = await admin(['keys', 'create', '--name', 'nightly import']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('shown only once');
    const key = /key\s+(sbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(key).toBeTruthy();

    const who = await withKey(key!, ['whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ email: ADMIN.email, role: 'admin', via: 'api key' });

    const list = await admin(['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('nightly import');
    expect(list.stdout).not.toContain(key!.slice(-20));
    const json = await admin(['keys', 'list', '--json']);
    expect(json.stdout).not.toContain(key!.slice(-20));
    const page = JSON.parse(json.stdout) as { items: { name: string }[]; nextCursor: string | null };
    expect(page.items.map((k) => k.name)).toContain('nightly import');
    expect(page.nextCursor).toBeNull();
  });

  it('create --json gives the key to scripts; revoke --yes makes it refused (exit 4) on the next call', async () => {
    const created = await admin(['keys', 'create', '--name', 'temp', '--expires-in-days', '7', '--json']);
    const { key, id, expiresAt } = JSON.parse(created.stdout) as {
      key: string;
      id: string;
      expiresAt: string;
    };
    expect(key.startsWith(`sbk_${id}_`)).toBe(true);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect((await withKey(key, ['users', 'list'])).code).toBe(0);

    const unconfirmed = await admin(['keys', 'revoke', id]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('pass --yes');
    expect((await withKey(key, ['users', 'list'])).code).toBe(0);

    const revoked = await admin(['keys', 'revoke', id, '--yes']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${id}`);
    const refused = await withKey(key, ['users', 'list']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('UNAUTHORIZED (INVALID_TOKEN)');
    expect(refused.stderr).toContain('hint: the API key was refused');
  });

  it('a key cannot mint keys; bad ids and bad expiries are usage errors', async () => {
    const created = await admin(['keys', 'create', '--name', 'bot', '--json']);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const minted = await withKey(key, ['keys', 'create', '--name', 'child']);
    expect(minted.code).toBe(4);
    expect(minted.stderr).toContain('FORBIDDEN');
    expect((await admin(['keys', 'revoke', 'nope', '--yes'])).code).toBe(2);
    expect((await admin(['keys', 'create', '--name', 'x', '--expires-in-days', 'soon'])).code).toBe(2);
    const unknown = await admin(['keys', 'revoke', '0123456789abcdef', '--yes']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
  });
});
