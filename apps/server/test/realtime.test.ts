import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppRouter } from '@skillbytes/api';
import { createEmptyPgDatabase } from '@skillbytes/db/testing';
import type { InboxItem, LeaderboardChange } from '@skillbytes/shared';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCClient,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer, startTestServer, type TestServer } from './harness.ts';

const ADMIN = { email: 'admin@example.com', password: 'Tr0ub4dor&3-horse-staple-realtime' };
const PASSWORD = 'correct-horse-battery-staple-42!';

type Client = TRPCClient<AppRouter>;
type Auth = { bearer?: string; cookie?: string };

/**
 * A typed client as a Node app (Bearer header) or a browser (cookie) would build it: batching for
 * queries and mutations, SSE for subscriptions. Node 20 has no EventSource: the ponyfill's `fetch`
 * option is what lets it send credentials.
 */
function apiClient(url: string, auth: Auth = {}): Client {
  const headers = (): Record<string, string> => ({
    ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
    ...(auth.cookie ? { cookie: auth.cookie, origin: url } : {}),
  });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          transformer: superjson,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                headers: { ...(init?.headers as Record<string, string>), ...headers() },
              }),
          }),
        }),
        false: httpBatchLink({ url: `${url}/trpc`, transformer: superjson, headers }),
      }),
    ],
  });
}

type Tracked<T> = { id: string; data: T };

/** A subscription's deliveries, with ways to wait for them. */
function listen<T>(
  subscribe: (handlers: {
    onStarted: () => void;
    onData: (d: Tracked<T>) => void;
    onError: (e: unknown) => void;
  }) => { unsubscribe(): void },
) {
  const items: Tracked<T>[] = [];
  let error: unknown;
  let started = false;
  const sub = subscribe({
    onStarted: () => {
      started = true;
    },
    onData: (d) => items.push(d),
    onError: (e) => {
      error = e;
    },
  });
  const until = async (predicate: () => boolean, what: string, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(items)} ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    items,
    get error() {
      return error;
    },
    /** Resolves once the stream is open on the server (subscribed to the bus). */
    started: () => until(() => started, 'the stream to open'),
    take: async (n: number) => {
      await until(() => items.length >= n, `${n} items`);
      return items.slice(0, n);
    },
    failed: async () => {
      await until(() => error !== undefined, 'an error');
      return error;
    },
    settle: async (ms = 300) => {
      await new Promise((r) => setTimeout(r, ms));
      return [...items];
    },
    close: () => sub.unsubscribe(),
  };
}

const onMessage = (client: Client, lastEventId?: string) =>
  listen<InboxItem>((h) => client.inbox.onMessage.subscribe(lastEventId ? { lastEventId } : undefined, h));
const onChange = (client: Client) =>
  listen<LeaderboardChange>((h) => client.leaderboard.onChange.subscribe(undefined, h));
const contents = (items: Tracked<InboxItem>[]) => items.map((i) => i.data.content);

let signups = 0;
async function signup(url: string, delivery: 'body' | 'cookie' = 'body') {
  signups += 1;
  const email = `rt${Date.now().toString(36)}${signups}@example.com`;
  const username = `rt_${Date.now().toString(36)}_${signups}`;
  if (delivery === 'body') {
    const out = await apiClient(url).auth.signup.mutate({
      email,
      password: PASSWORD,
      username,
      tokenDelivery: 'body',
    });
    if (!('accessToken' in out) || !out.accessToken) throw new Error('no token in the body');
    return { id: out.user.id, username, auth: { bearer: out.accessToken } as Auth };
  }
  const res = await fetch(`${url}/trpc/auth.signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ json: { email, password: PASSWORD, username } }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const body = (await res.json()) as { result: { data: { json: { user: { id: string } } } } };
  return { id: body.result.data.json.user.id, username, auth: { cookie } as Auth };
}

async function adminClient(url: string) {
  const out = await apiClient(url).auth.login.mutate({
    identifier: ADMIN.email,
    password: ADMIN.password,
    tokenDelivery: 'body',
  });
  if (!('accessToken' in out) || !out.accessToken) throw new Error('no admin token');
  return apiClient(url, { bearer: out.accessToken });
}

/** A published challenge `add(a, b)` worth `points`: every user's daily challenge when it is the only one. */
async function publishChallenge(admin: Client, points: number) {
  const created = await admin.challenges.create.mutate({
    challenge: {
      title: 'Add two numbers',
      summary: 'Return the sum of two integers.',
      description: 'Write `add(a, b)` that returns `a + b`.',
      difficulty: 'beginner',
      points,
      functionName: 'add',
      tests: [
        { input: [1, 2], expectedOutput: 3 },
        { input: [-4, 4], expectedOutput: 0 },
      ],
      hiddenTests: [{ input: [1000, 2345], expectedOutput: 3345 }],
      solution: 'function add(a, b) { return a + b; }',
    },
    publish: true,
  });
  return created.id;
}

/** Earns points the real way: today's challenge, solved and submitted. */
async function earnPoints(client: Client) {
  const daily = await client.challenges.daily.query();
  const result = await client.challenges.submit.mutate({
    challengeId: daily.challenge.id,
    code: 'function add(a, b) { return a + b; }',
  });
  expect(result.verdict.status).toBe('accepted');
  return result;
}

const serverEnv = {
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  SEED_STARTER_POOL: 'false',
};

describe('real time over SSE (one server)', () => {
  let server: TestServer;
  let admin: Client;
  beforeAll(async () => {
    server = await startTestServer(serverEnv);
    admin = await adminClient(server.url);
    await publishChallenge(admin, 10);
  });
  afterAll(() => server?.close());

  it('delivers each user only what is theirs: Bearer (Node client) and cookie (browser) alike', async () => {
    const alice = await signup(server.url);
    const bob = await signup(server.url, 'cookie');
    const a = onMessage(apiClient(server.url, alice.auth));
    const b = onMessage(apiClient(server.url, bob.auth));
    await Promise.all([a.started(), b.started()]);

    await admin.inbox.send.mutate({ content: 'hello everyone', to: { everyone: true } });
    await admin.inbox.send.mutate({ content: 'just for alice', to: { username: alice.username } });
    await admin.inbox.send.mutate({ content: 'just for bob', to: { userId: bob.id } });

    expect(contents(await a.take(2))).toEqual(['hello everyone', 'just for alice']);
    expect(contents(await b.take(2))).toEqual(['hello everyone', 'just for bob']);
    expect(contents(await a.settle())).toHaveLength(2);
    expect(contents(b.items)).toHaveLength(2);
    // superjson on the wire: dates arrive as dates.
    expect(a.items[0]!.data.createdAt).toBeInstanceOf(Date);
    a.close();
    b.close();
  });

  it('resumes from the last event id with exactly the missed messages, no duplicates', async () => {
    const alice = await signup(server.url);
    const client = apiClient(server.url, alice.auth);
    const first = onMessage(client);
    await first.started();
    await admin.inbox.send.mutate({ content: 'before the drop', to: { userId: alice.id } });
    const [last] = await first.take(1);
    first.close();

    await admin.inbox.send.mutate({ content: 'missed 1', to: { userId: alice.id } });
    await admin.inbox.send.mutate({ content: 'missed 2', to: { everyone: true } });

    const resumed = onMessage(client, last!.id);
    expect(contents(await resumed.take(2))).toEqual(['missed 1', 'missed 2']);
    await admin.inbox.send.mutate({ content: 'live again', to: { userId: alice.id } });
    expect(contents(await resumed.take(3))).toEqual(['missed 1', 'missed 2', 'live again']);
    expect(await resumed.settle()).toHaveLength(3);
    resumed.close();
  });

  it('replays from the Last-Event-ID header an EventSource sends when it reconnects', async () => {
    const alice = await signup(server.url);
    const first = onMessage(apiClient(server.url, alice.auth));
    await first.started();
    await admin.inbox.send.mutate({ content: 'seen before the drop', to: { userId: alice.id } });
    const [seen] = await first.take(1);
    first.close();
    await admin.inbox.send.mutate({ content: 'sent while away', to: { userId: alice.id } });

    const controller = new AbortController();
    const res = await fetch(`${server.url}/trpc/inbox.onMessage`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${alice.auth.bearer}`,
        'last-event-id': seen!.id,
      },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('sent while away') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain('sent while away');
    expect(text).not.toContain('seen before the drop');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(1);
    expect(ids[0]).toBeGreaterThan(Number(seen!.id));
  });

  it('refuses a signed-out subscriber with UNAUTHORIZED, and does not retry', async () => {
    const s = onMessage(apiClient(server.url));
    const error = await s.failed();
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({
      code: 'UNAUTHORIZED',
      appCode: 'UNAUTHENTICATED',
    });
    s.close();
  });

  it('ends the stream with SESSION_REVOKED when the user signs out', async () => {
    const alice = await signup(server.url);
    const client = apiClient(server.url, alice.auth);
    const s = onMessage(client);
    await s.started();
    await client.auth.logout.mutate();
    const error = await s.failed();
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({
      code: 'UNAUTHORIZED',
      appCode: 'SESSION_REVOKED',
    });
    s.close();
  });

  it('pushes leaderboard changes to every subscriber, with their own total to the earner', async () => {
    const alice = await signup(server.url);
    const bob = await signup(server.url);
    const aliceClient = apiClient(server.url, alice.auth);
    const a = onChange(aliceClient);
    const b = onChange(apiClient(server.url, bob.auth));
    await Promise.all([a.started(), b.started()]);
    await earnPoints(aliceClient);
    const [forAlice] = await a.take(1);
    const [forBob] = await b.take(1);
    expect(forAlice!.data).toEqual({ mine: { points: 10, delta: 10 } });
    expect(forBob!.data).toEqual({ mine: null });
    expect(await aliceClient.leaderboard.me.query({ window: 'all' })).toMatchObject({ rank: 1, points: 10 });
    a.close();
    b.close();
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)(
  'real time across two server processes on one PostgreSQL',
  () => {
    let db: Awaited<ReturnType<typeof createEmptyPgDatabase>>;
    let one: ServerProcess;
    let two: ServerProcess;
    beforeAll(async () => {
      db = await createEmptyPgDatabase(process.env.TEST_DATABASE_URL!);
      const env = {
        ...serverEnv,
        DATABASE_URL: db.url,
        JWT_SECRET: 'two-processes-share-this-secret-0123456789abcdef',
        MFA_ENCRYPTION_KEY: 'BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=',
      };
      // Started one after the other: the second finds the migrations and the admin in place.
      one = await spawnServer({ ...env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-rt-')) });
      two = await spawnServer({ ...env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-rt-')) });
    }, 120_000);
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()]);
      await db?.drop();
    });

    it('delivers a message sent through one process to a subscriber on the other', async () => {
      const adminOnTwo = await adminClient(two.url);
      const alice = await signup(two.url);
      const bob = await signup(one.url);
      const a = onMessage(apiClient(one.url, alice.auth));
      const b = onMessage(apiClient(one.url, bob.auth));
      await Promise.all([a.started(), b.started()]);
      await adminOnTwo.inbox.send.mutate({ content: 'across processes', to: { everyone: true } });
      await adminOnTwo.inbox.send.mutate({ content: 'alice only, across', to: { userId: alice.id } });
      expect(contents(await a.take(2))).toEqual(['across processes', 'alice only, across']);
      expect(contents(await b.take(1))).toEqual(['across processes']);
      expect(contents(await b.settle())).toHaveLength(1);
      a.close();
      b.close();
    });

    it('delivers points earned through one process to a leaderboard subscriber on the other', async () => {
      const adminOnTwo = await adminClient(two.url);
      await publishChallenge(adminOnTwo, 25);
      const alice = await signup(two.url);
      const s = onChange(apiClient(one.url, alice.auth));
      await s.started();
      await earnPoints(apiClient(two.url, alice.auth));
      const [change] = await s.take(1);
      expect(change!.data).toEqual({ mine: { points: 25, delta: 25 } });
      s.close();
    });

    it('ends a stream on one process when the session is signed out through the other', async () => {
      const alice = await signup(two.url);
      const s = onMessage(apiClient(one.url, alice.auth));
      await s.started();
      await apiClient(two.url, alice.auth).auth.logout.mutate();
      expect((await s.failed()) as TRPCClientError<AppRouter>).toMatchObject({
        data: { code: 'UNAUTHORIZED', appCode: 'SESSION_REVOKED' },
      });
      s.close();
    });
  },
);
