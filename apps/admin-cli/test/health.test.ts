import { startTestServer, type TestServer } from '@skillbytes/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runCli } from './cli-harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('skillbytes-admin health', () => {
  it('calls health.ping on the live server', async () => {
    const r = await runCli(['--url', server.url, 'health']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pong');
  });

  it('prints JSON with --json, given after the command', async () => {
    const r = await runCli(['health', '--json', '--url', server.url]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ msg: 'pong', url: server.url });
  });

  it('takes the URL from SKILLBYTES_URL', async () => {
    const r = await runCli(['health', '--json'], { env: { SKILLBYTES_URL: server.url } });
    expect(r.code).toBe(0);
  });

  it('exits 2 on a usage error', async () => {
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli(['health', '--no-such-flag'])).code).toBe(2);
  });

  it('checks --url and SKILLBYTES_URL before any request: anything but an http(s) URL exits 2', async () => {
    for (const url of ['localhost:3000', 'ftp://127.0.0.1', 'not a url', 'http://user:pw@127.0.0.1', '']) {
      const r = await runCli(['--url', url, 'health']);
      expect(r.code, `${url}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--url "${url}" is not a server URL`);
    }
    const fromEnv = await runCli(['health'], { env: { SKILLBYTES_URL: 'file:///etc/passwd' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('SKILLBYTES_URL "file:///etc/passwd" is not a server URL');
    // A trailing slash is the same server.
    const slash = await runCli(['--url', `${server.url}/`, 'health', '--json']);
    expect(slash.code, slash.stderr).toBe(0);
    expect(JSON.parse(slash.stdout).url).toBe(server.url);
  });

  it('exits 0 for --help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('health');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 1 with a clear message when the server is unreachable', async () => {
    const port = await closedPort();
    const r = await runCli(['--url', `http://127.0.0.1:${port}`, 'health']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}`);
    expect(r.stderr).toContain('ECONNREFUSED');
  });
});
