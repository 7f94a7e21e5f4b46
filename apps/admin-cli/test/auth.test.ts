import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer, trpcGet, trpcPost } from '@skillbytes/server/testing';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.ts';

const ADMIN = { email: 'auth-cli-admin@example.com', password: 'granite orchard velvet 27' };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_STARTER_POOL: 'false',
  });
}, 120_000);
afterAll(() => server?.close());

// The harness blanks SKILLBYTES_API_KEY; unset it so the saved session is what authenticates.
const sessionEnv = { SKILLBYTES_API_KEY: undefined as unknown as string };

const cli = (args: string[], configDir: string, stdin?: string) =>
  runCli(['--url', server.url, ...args], { configDir, stdin, env: sessionEnv });

const savedSession = (configDir: string) => {
  const file = path.join(configDir, 'session.json');
  return {
    file,
    all: JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      { accessToken: string; refreshToken: string }
    >,
  };
};

describe('skillbytes-admin login / whoami / logout', () => {
  it('login --password-stdin saves a private session that whoami --json uses', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    const login = await cli(
      ['login', '--email', ADMIN.email, '--password-stdin'],
      dir,
      `${ADMIN.password}\n`,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`as ${ADMIN.email} (admin)`);
    expect(login.stdout).not.toContain(ADMIN.password);

    const { file, all } = savedSession(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(all[server.url]?.refreshToken).toMatch(/^[0-9a-f-]{36}\./);

    const who = await cli(['whoami', '--json'], dir);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ email: ADMIN.email, role: 'admin', via: 'session' });
    const human = await cli(['whoami'], dir);
    expect(human.stdout).toMatch(/role\s+admin/);
  });

  it('a wrong password exits 4 naming UNAUTHORIZED (INVALID_CREDENTIALS) and saves nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    const r = await cli(
      ['login', '--email', ADMIN.email, '--password-stdin'],
      dir,
      'not the password at all\n',
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('UNAUTHORIZED (INVALID_CREDENTIALS)');
    expect(r.stderr).not.toContain('hint:');
    expect(() => savedSession(dir)).toThrow();
  });

  it('without --password-stdin and no terminal, login is a usage error (it never echoes a password)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    const r = await cli(['login', '--email', ADMIN.email], dir, `${ADMIN.password}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  });

  it('refreshes an access token the server refuses, with the saved refresh token, and saves the new pair', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    await cli(['login', '--email', ADMIN.email, '--password-stdin'], dir, ADMIN.password);
    const { file, all } = savedSession(dir);
    const before = all[server.url]!;
    // An access token that no longer verifies (as after its 15 minutes).
    writeFileSync(
      file,
      JSON.stringify({ [server.url]: { ...before, accessToken: `${before.accessToken}x` } }),
      {
        mode: 0o600,
      },
    );
    const who = await cli(['whoami', '--json'], dir);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout).email).toBe(ADMIN.email);
    const after = savedSession(dir).all[server.url]!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a saved session the server no longer accepts exits 4 with a hint to log in again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    await cli(['login', '--email', ADMIN.email, '--password-stdin'], dir, ADMIN.password);
    const { file, all } = savedSession(dir);
    const saved = all[server.url]!;
    // Neither token verifies any more, so the refresh fails too.
    const spoiled = {
      ...saved,
      accessToken: `${saved.accessToken}x`,
      refreshToken: `${saved.refreshToken}x`,
    };
    writeFileSync(file, JSON.stringify({ [server.url]: spoiled }), { mode: 0o600 });
    const r = await cli(['users', 'list'], dir);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('UNAUTHORIZED');
    expect(r.stderr).toContain(`hint: sign in again: skillbytes-admin --url ${server.url} login --email`);
  });

  it('keeps its files in $XDG_CONFIG_HOME/skillbytes, unless SKILLBYTES_CONFIG_DIR says elsewhere', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sb-cli-home-'));
    const xdg = mkdtempSync(path.join(tmpdir(), 'sb-cli-xdg-'));
    const own = mkdtempSync(path.join(tmpdir(), 'sb-cli-own-'));
    const login = (env: Record<string, string | undefined>) =>
      runCli(['--url', server.url, 'login', '--email', ADMIN.email, '--password-stdin'], {
        stdin: ADMIN.password,
        env: { ...sessionEnv, SKILLBYTES_CONFIG_DIR: undefined, HOME: home, ...env },
      });
    const where = (dir: string) => path.join(dir, 'session.json');
    expect((await login({ XDG_CONFIG_HOME: xdg })).code).toBe(0);
    expect(statSync(where(path.join(xdg, 'skillbytes'))).mode & 0o777).toBe(0o600);
    expect((await login({ XDG_CONFIG_HOME: xdg, SKILLBYTES_CONFIG_DIR: own })).code).toBe(0);
    expect(statSync(where(own)).isFile()).toBe(true);
    // Unset, or relative (which the XDG spec says to ignore): ~/.config.
    expect((await login({ XDG_CONFIG_HOME: 'relative/dir' })).code).toBe(0);
    expect(statSync(where(path.join(home, '.config/skillbytes'))).isFile()).toBe(true);
    const who = await runCli(['--url', server.url, 'whoami', '--json'], {
      env: { ...sessionEnv, SKILLBYTES_CONFIG_DIR: undefined, HOME: home, XDG_CONFIG_HOME: xdg },
    });
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ email: ADMIN.email, via: 'session' });
  });

  it('logout revokes the session on the server and forgets it locally', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    await cli(['login', '--email', ADMIN.email, '--password-stdin'], dir, ADMIN.password);
    const token = savedSession(dir).all[server.url]!.accessToken;
    const out = await cli(['logout'], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('logged out');
    const me = await trpcGet(server.url, 'auth.me', undefined, { authorization: `Bearer ${token}` });
    expect(me.res.status).toBe(401);
    const who = await cli(['whoami'], dir);
    expect(who.code).toBe(4);
    expect(who.stderr).toContain('not signed in');
    expect((await cli(['logout'], dir)).stdout).toContain('not logged in');
  });

  it("keeps the server's device token across logout and sends it back, so a stranger's guesses do not lock it out", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-'));
    const email = `device${Date.now().toString(36)}@example.com`;
    const password = 'amber fjord lantern 58';
    const signup = await trpcPost(server.url, 'auth.signup', { email, password, tokenDelivery: 'body' });
    expect(signup.res.status).toBe(200);
    const first = await cli(['login', '--email', email, '--password-stdin'], dir, password);
    expect(first.code, first.stderr).toBe(0);
    const deviceFile = path.join(dir, 'device.json');
    expect(statSync(deviceFile).mode & 0o777).toBe(0o600);
    const token = (JSON.parse(readFileSync(deviceFile, 'utf8')) as Record<string, string>)[server.url];
    expect(token).toMatch(/^ey/);
    expect((await cli(['logout'], dir)).code).toBe(0);

    // A stranger's wrong guesses (from this address, with no device token) until eight of them count:
    // from the fifth on each blocks the next for 1, 2, 4, then 8 s, long enough for both logins below
    // to land inside the block even on a busy machine (one second was not). Refused guesses wait out
    // the block they are told of rather than hammer the per-address limit.
    for (let counted = 0; counted < 8; ) {
      const guess = await trpcPost(server.url, 'auth.login', {
        identifier: email,
        password: 'wrong guess 1234',
      });
      if (guess.res.status !== 429) counted++;
      else {
        const data = guess.body.error?.json.data as { details?: { retryAfter?: number } } | undefined;
        const wait = data?.details?.retryAfter;
        await new Promise((resolve) => setTimeout(resolve, 1000 * (wait ?? 1)));
      }
    }
    const elsewhere = await cli(
      ['login', '--email', email, '--password-stdin'],
      mkdtempSync(path.join(tmpdir(), 'sb-cli-auth-')),
      password,
    );
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('TOO_MANY_REQUESTS');
    const again = await cli(['login', '--email', email, '--password-stdin'], dir, password);
    expect(again.code, again.stderr).toBe(0);
  });
});

/** A tRPC answer's data, or the test fails with the error it carried. */
function resultOf<T>(body: { result?: { data: { json: unknown } }; error?: unknown }): T {
  if (!body.result) throw new Error(`call failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json as T;
}

describe('skillbytes-admin login with MFA on', () => {
  const password = 'cobalt meadow thistle 41';
  /** The server's clock is the real one: the code of the step `steps` from now. */
  const codeAt = (secret: string, steps = 0) =>
    TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });

  /** An account with an authenticator app enrolled through the API, as a person would do it. */
  async function mfaAccount() {
    const email = `mfa${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
    const signup = await trpcPost(server.url, 'auth.signup', { email, password, tokenDelivery: 'body' });
    const bearer = {
      authorization: `Bearer ${resultOf<{ accessToken: string }>(signup.body).accessToken}`,
    };
    const setup = await trpcPost(server.url, 'auth.mfa.setup', { password }, bearer);
    const { secret } = resultOf<{ secret: string }>(setup.body);
    const enable = await trpcPost(server.url, 'auth.mfa.enable', { code: codeAt(secret) }, bearer);
    expect(enable.res.status, JSON.stringify(enable.body)).toBe(200);
    const { recoveryCodes } = resultOf<{ recoveryCodes: string[] }>(enable.body);
    return { email, secret, recoveryCodes };
  }

  it('login --code signs in an account with MFA on and saves the session', async () => {
    const { email, secret } = await mfaAccount();
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-mfa-'));
    // The next step's code: enable spent this one, and a code is accepted once.
    const login = await cli(
      ['login', '--email', email, '--password-stdin', '--code', codeAt(secret, 1)],
      dir,
      password,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`as ${email} (user)`);
    const who = await cli(['whoami', '--json'], dir);
    expect(JSON.parse(who.stdout)).toMatchObject({ email, mfaEnabled: true, via: 'session' });
  });

  it('login --recovery-code signs in once with a recovery code', async () => {
    const { email, recoveryCodes } = await mfaAccount();
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-mfa-'));
    const args = ['login', '--email', email, '--password-stdin', '--recovery-code', recoveryCodes[0]!];
    const first = await cli(args, dir, password);
    expect(first.code, first.stderr).toBe(0);
    const again = await cli(args, mkdtempSync(path.join(tmpdir(), 'sb-cli-mfa-')), password);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('UNAUTHORIZED (INVALID_MFA_CODE)');
  });

  it('without --code and no terminal it is a usage error naming --code; a wrong code exits 4 and saves nothing', async () => {
    const { email } = await mfaAccount();
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-mfa-'));
    const noCode = await cli(['login', '--email', email, '--password-stdin'], dir, password);
    expect(noCode.code).toBe(2);
    expect(noCode.stderr).toContain('--code');
    const wrong = await cli(
      ['login', '--email', email, '--password-stdin', '--code', '000000'],
      dir,
      password,
    );
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('UNAUTHORIZED (INVALID_MFA_CODE)');
    expect(() => savedSession(dir)).toThrow();
    const both = await cli(
      ['login', '--email', email, '--password-stdin', '--code', '123456', '--recovery-code', 'aaaaa-bbbbb'],
      dir,
      password,
    );
    expect(both.code).toBe(2);
  });
});
