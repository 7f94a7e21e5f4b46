import type { InboxItem } from '@skillbytes/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTokens, type SkillBytesClient } from '../src/index.ts';
import {
  ADMIN,
  browserClient,
  cookieJar,
  MINUTE,
  newAccount,
  nodeClient,
  startServer,
  until,
} from './fixtures.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let admin: SkillBytesClient;
beforeAll(async () => {
  server = await startServer();
  admin = nodeClient(server, { tokens: memoryTokens() }).client;
  await admin.auth.login.mutate({ identifier: ADMIN.email, password: ADMIN.password, tokenDelivery: 'body' });
});
afterAll(() => server?.close());

/** Subscribes to the inbox and records what arrives. */
function inbox(client: SkillBytesClient) {
  const items: { id: string; data: InboxItem }[] = [];
  let starts = 0;
  let error: unknown;
  const sub = client.inbox.onMessage.subscribe(undefined, {
    onStarted: () => {
      starts += 1;
    },
    onData: (item) => items.push(item),
    onError: (e) => {
      error = e;
    },
  });
  return {
    items,
    contents: () => items.map((i) => i.data.content),
    get starts() {
      return starts;
    },
    get error() {
      return error;
    },
    close: () => sub.unsubscribe(),
  };
}

const send = (userId: string, content: string) => admin.inbox.send.mutate({ content, to: { userId } });

describe('subscriptions', () => {
  it('resume after the access token expired and the server restarted, with the events sent meanwhile', async () => {
    const jar = cookieJar(() => server.url);
    const { client, traffic } = browserClient(server, jar);
    const { user } = await client.auth.signup.mutate(newAccount());
    const stream = inbox(client);
    try {
      await until(() => stream.starts === 1, 'the stream to open');
      await send(user.id, 'before');
      await until(() => stream.items.length === 1, 'the first message');

      // The subscriber is away: its reconnections wait while the server restarts, the access token
      // expires (admin's too: its client refreshes by itself) and two messages are sent.
      jar.closeGate();
      await server.restart();
      server.clock.advance(16 * MINUTE);
      await send(user.id, 'while away 1');
      await send(user.id, 'while away 2');
      jar.openGate();

      // It reconnects, hears TOKEN_EXPIRED, refreshes once and resumes from its last event id.
      await until(() => stream.items.length === 3, 'the messages sent meanwhile');
      await send(user.id, 'after');
      await until(() => stream.items.length === 4, 'a live message after resuming');
      expect(stream.contents()).toEqual(['before', 'while away 1', 'while away 2', 'after']);
      expect(new Set(stream.items.map((i) => i.id)).size).toBe(4);
      expect(traffic.refreshes).toBe(1);
      expect(stream.error).toBeUndefined();
    } finally {
      jar.openGate();
      stream.close();
    }
  });

  it('a Bearer client subscribes with its token and re-authenticates when the token expired', async () => {
    const { client, traffic } = nodeClient(server);
    const { user } = await client.auth.signup.mutate({ ...newAccount(), tokenDelivery: 'body' });
    server.clock.advance(16 * MINUTE);
    const stream = inbox(client);
    try {
      await until(() => traffic.refreshes === 1 && stream.starts >= 2, 'the stream to re-authenticate');
      await send(user.id, 'hello');
      await until(() => stream.items.length === 1, 'the message');
      expect(stream.contents()).toEqual(['hello']);
      expect(stream.error).toBeUndefined();
    } finally {
      stream.close();
    }
  });

  it('a subscription of a session that is over ends with the error (no reconnect loop)', async () => {
    const { client, tokens } = nodeClient(server);
    await client.auth.signup.mutate({ ...newAccount(), tokenDelivery: 'body' });
    const stale = tokens.get()!;
    await client.auth.logout.mutate();
    tokens.set(stale);
    const stream = inbox(client);
    try {
      await until(() => stream.error !== undefined, 'the error');
      expect((stream.error as { data?: { appCode?: string } }).data?.appCode).toBe('SESSION_REVOKED');
    } finally {
      stream.close();
    }
  });
});
