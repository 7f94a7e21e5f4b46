import { startTestServer, type TestServer, trpcGet, trpcPost } from '@skillbytes/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createAdminApiKey, resultOf, runCli } from './cli-harness.ts';

const ADMIN = { email: 'msg-admin@example.com', password: 'msg-admin-password-1' };

let server: TestServer;
let apiKey: string;
let reader: { id: string; token: string };

type InboxPage = { items: { content: string; icon: string; bannerColor: string; isBroadcast: boolean }[] };
const inboxOf = async (token: string) =>
  resultOf<InboxPage>(await trpcGet(server.url, 'inbox.list', {}, { authorization: `Bearer ${token}` }))
    .items;

beforeAll(async () => {
  server = await startTestServer({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_STARTER_POOL: 'false',
  });
  ({ apiKey } = await createAdminApiKey(server.url, ADMIN, 'messages tests'));
  const signup = resultOf<{ user: { id: string }; accessToken: string }>(
    await trpcPost(server.url, 'auth.signup', {
      email: 'msg-reader@example.com',
      username: 'msg_reader',
      password: 'a-long-reader-password-3',
      tokenDelivery: 'body',
    }),
  );
  reader = { id: signup.user.id, token: signup.accessToken };
}, 120_000);
afterAll(() => server?.close());

const admin = (args: string[]) => runCli(['--url', server.url, '--api-key', apiKey, ...args]);

describe('skillbytes-admin messages send', () => {
  it('sends to everyone with the default icon and colour', async () => {
    const r = await admin(['messages', 'send', '--content', 'Maintenance tonight', '--everyone', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/to\s+everyone/);
    expect((await inboxOf(reader.token))[0]).toMatchObject({
      content: 'Maintenance tonight',
      icon: '📢',
      bannerColor: '#2821fc',
      isBroadcast: true,
    });
  });

  it('sends to one user by username, with an icon and colour, and prints JSON with --json', async () => {
    const r = await admin([
      'messages',
      'send',
      '--user',
      'MSG_READER',
      '--content',
      'Well done',
      '--icon',
      '🎉',
      '--color',
      '#00FF00',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const sent = JSON.parse(r.stdout) as {
      id: string;
      recipientId: string;
      icon: string;
      bannerColor: string;
    };
    expect(sent).toMatchObject({ recipientId: reader.id, icon: '🎉', bannerColor: '#00ff00' });
    expect((await inboxOf(reader.token))[0]).toMatchObject({ content: 'Well done', isBroadcast: false });
  });

  it('takes a user id as well', async () => {
    const r = await admin(['messages', 'send', '--user', reader.id, '--content', 'By id', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ recipientId: reader.id });
  });

  it('exits 1 naming NOT_FOUND (USER_NOT_FOUND) for an unknown user', async () => {
    const r = await admin(['messages', 'send', '--user', 'nobody_at_all', '--content', 'hi']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOT_FOUND (USER_NOT_FOUND)');
  });

  it('exits 2 without contacting the server for a bad audience, colour, or content', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const send = (args: string[]) => runCli(['--url', url, 'messages', 'send', ...args]);
    const cases = [
      ['--content', 'x'],
      ['--content', 'x', '--everyone', '--user', 'msg_reader'],
      ['--content', 'x', '--everyone', '--color', 'blue'],
      ['--content', 'x'.repeat(2001), '--everyone'],
      ['--content', '   ', '--everyone'],
      ['--content', 'x', '--user', 'not a username!'],
      ['--everyone'],
    ];
    for (const args of cases) {
      const r = await send(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).not.toContain('ECONNREFUSED');
    }
    expect((await send(['--content', 'x', '--everyone', '--color', 'blue'])).stderr).toContain('--color');
  });

  it('a broadcast without --yes is refused when stdin is not a terminal, and nothing is sent', async () => {
    const before = (await inboxOf(reader.token)).length;
    const r = await admin(['messages', 'send', '--content', 'Unconfirmed', '--everyone']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('send to everyone needs confirmation and stdin is not a terminal: pass --yes');
    expect(await inboxOf(reader.token)).toHaveLength(before);
    // A message to one user needs no confirmation.
    expect((await admin(['messages', 'send', '--user', 'msg_reader', '--content', 'One'])).code).toBe(0);
  });

  it('exits 4 with FORBIDDEN for a non-admin, and 4 with a login hint when signed out', async () => {
    const asUser = await runCli([
      '--url',
      server.url,
      '--api-key',
      reader.token,
      'messages',
      'send',
      '--content',
      'x',
      '--everyone',
      '--yes',
    ]);
    expect(asUser.code).toBe(4);
    expect(asUser.stderr).toContain('FORBIDDEN');
    const signedOut = await runCli(['--url', server.url, 'messages', 'send', '--content', 'x', '--everyone']);
    expect(signedOut.code).toBe(4);
    expect(signedOut.stderr).toContain(`error: not signed in to ${server.url}`);
    expect(signedOut.stderr).toContain(`hint: run skillbytes-admin --url ${server.url} login --email`);
  });

  it('documents itself', async () => {
    const r = await runCli(['messages', 'send', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--content', '--icon', '--color', '--everyone', '--user', '--yes'])
      expect(r.stdout).toContain(flag);
  });
});
