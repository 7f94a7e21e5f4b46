import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCodeOf, createClient, memoryTokens } from '../src/index.ts';
import { browserClient, cookieJar, MINUTE, newAccount, nodeClient, startServer } from './fixtures.ts';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

/** Moves the server's clock past the access token's 15 minutes. */
const expireAccessTokens = () => server.clock.advance(16 * MINUTE);

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('cookie mode (a browser)', () => {
  it('a first visit asks auth.session and gets null, then signs up and is signed in', async () => {
    const jar = cookieJar(() => server.url);
    const { client } = browserClient(server, jar);
    expect(await client.auth.session.query()).toBeNull();
    const account = newAccount();
    const { user } = await client.auth.signup.mutate(account);
    expect([...jar.cookies.keys()].sort()).toEqual(['sb_at', 'sb_dt', 'sb_rt']);
    const session = await client.auth.session.query();
    expect(session?.id).toBe(user.id);
    expect(session?.expiresAt).toBeInstanceOf(Date);
  });

  it('concurrent requests after the access token expired trigger exactly one refresh, and all succeed', async () => {
    const jar = cookieJar(() => server.url);
    const { client, traffic } = browserClient(server, jar);
    const { user } = await client.auth.signup.mutate(newAccount());
    expireAccessTokens();
    const results = await Promise.all([
      client.auth.me.query(),
      client.auth.session.query(),
      client.challenges.status.query(),
      client.inbox.unreadCount.query(),
      client.auth.updateProfile.mutate({ name: 'Ada' }),
      client.auth.me.query(),
      client.inbox.list.query({}),
      client.auth.sessions.list.query(),
    ]);
    expect(traffic.refreshes).toBe(1);
    expect(results[0].id).toBe(user.id);
    expect(results[4].name).toBe('Ada');
    // The session is alive and was not taken for a stolen token: one device, still usable.
    expect((await client.auth.sessions.list.query()).map((s) => s.current)).toEqual([true]);
    expect(traffic.refreshes).toBe(1);
  });

  it('two tabs of one browser (one cookie jar) that hit an expired token together refresh once', async () => {
    const jar = cookieJar(() => server.url);
    const first = browserClient(server, jar);
    const second = browserClient(server, jar);
    await first.client.auth.signup.mutate(newAccount());
    expireAccessTokens();
    const [a, b] = await Promise.all([
      Promise.all([first.client.auth.me.query(), first.client.challenges.status.query()]),
      Promise.all([second.client.auth.me.query(), second.client.inbox.unreadCount.query()]),
    ]);
    expect(a[0].id).toBe(b[0].id);
    expect(jar.traffic.refreshes).toBe(1);
    expect((await second.client.auth.sessions.list.query()).length).toBe(1);
  });

  it('two browsers (two jars) refresh each for itself, even at the same moment', async () => {
    const jars = [cookieJar(() => server.url), cookieJar(() => server.url)];
    const clients = jars.map((jar) => browserClient(server, jar).client);
    for (const client of clients) await client.auth.signup.mutate(newAccount());
    expireAccessTokens();
    const [a, b] = await Promise.all(clients.map((client) => client.auth.me.query()));
    expect(a?.id).not.toBe(b?.id);
    expect(jars.map((jar) => jar.traffic.refreshes)).toEqual([1, 1]);
  });

  it('when the browser dropped the access cookie (its Max-Age is over), the refresh cookie is enough', async () => {
    const jar = cookieJar(() => server.url);
    const { client, traffic } = browserClient(server, jar);
    const { user } = await client.auth.signup.mutate(newAccount());
    jar.cookies.delete('sb_at');
    expect((await client.auth.session.query())?.id).toBe(user.id);
    expect(traffic.refreshes).toBe(1);
  });

  it('a session ended elsewhere: the answers say so without a refresh, and onSignedOut is told once', async () => {
    const jar = cookieJar(() => server.url);
    let signedOut = 0;
    const { client, traffic } = browserClient(server, jar, { onSignedOut: () => signedOut++ });
    const account = newAccount();
    await client.auth.signup.mutate(account);
    // The same person, elsewhere, signs this browser out.
    const elsewhere = nodeClient(server);
    await elsewhere.client.auth.login.mutate({
      identifier: account.email,
      password: account.password,
      tokenDelivery: 'body',
    });
    const mine = (await elsewhere.client.auth.sessions.list.query()).find((s) => !s.current)!;
    await elsewhere.client.auth.sessions.revoke.mutate({ id: mine.id });

    expect(appCodeOf(await errorOf(client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect(signedOut).toBe(1);
    // The browser dropped the access cookie: the refresh cookie names a session that ended.
    jar.cookies.delete('sb_at');
    expect(appCodeOf(await errorOf(client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect(await client.auth.session.query()).toBeNull();
    expect(jar.cookies.has('sb_rt')).toBe(false);
    expect(appCodeOf(await errorOf(client.auth.me.query()))).toBe('UNAUTHENTICATED');
    expect(traffic.refreshes).toBe(0);
    expect(signedOut).toBe(1);
  });

  it('logout works with the refresh cookie alone after the access token expired (no refresh needed)', async () => {
    const jar = cookieJar(() => server.url);
    const { client, traffic } = browserClient(server, jar);
    await client.auth.signup.mutate(newAccount());
    expireAccessTokens();
    expect(await client.auth.logout.mutate()).toEqual({ ok: true });
    expect(traffic.refreshes).toBe(0);
    expect(jar.cookies.has('sb_at') || jar.cookies.has('sb_rt')).toBe(false);
    expect(await client.auth.session.query()).toBeNull();
  });
});

describe('bearer mode (Node, the CLI)', () => {
  it('captures the token pair of a sign-in, refreshes once for concurrent calls, and forgets it at logout', async () => {
    let saved = 0;
    const tokens = memoryTokens(null, () => saved++);
    const { client, traffic } = nodeClient(server, { tokens });
    const { user } = await client.auth.signup.mutate({ ...newAccount(), tokenDelivery: 'body' });
    const first = tokens.get();
    expect(first?.refreshToken).toMatch(/\./);
    expireAccessTokens();
    const all = await Promise.all([
      client.auth.me.query(),
      client.challenges.status.query(),
      client.inbox.unreadCount.query(),
      client.auth.me.query(),
    ]);
    expect(all[0].id).toBe(user.id);
    expect(traffic.refreshes).toBe(1);
    expect(tokens.get()?.refreshToken).not.toBe(first?.refreshToken);
    expect(saved).toBe(2);
    await client.auth.logout.mutate();
    expect(tokens.get()).toBeNull();
    expect(await client.auth.session.query()).toBeNull();
  });

  it('retries once only: a second TOKEN_EXPIRED after a refresh is the answer', async () => {
    const { client: signer, tokens } = nodeClient(server);
    await signer.auth.signup.mutate({ ...newAccount(), tokenDelivery: 'body' });
    const stale = tokens.get()!.accessToken;
    expireAccessTokens();
    // A broken proxy that always sends the stale token: the refresh succeeds, the retry cannot.
    const { client, traffic } = nodeClient(server, {
      tokens,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        if (!String(input).includes('auth.refresh')) headers.set('authorization', `Bearer ${stale}`);
        return globalThis.fetch(input, { ...init, headers });
      },
    });
    const error = await errorOf(client.auth.me.query());
    expect(appCodeOf(error)).toBe('TOKEN_EXPIRED');
    expect(traffic.refreshes).toBe(1);
    expect(traffic.calls.filter((c) => c === 'auth.me')).toHaveLength(2);
  });

  it('clients with token pairs of their own do not share refreshes', async () => {
    const one = nodeClient(server);
    const two = nodeClient(server);
    await one.client.auth.signup.mutate({ ...newAccount(), tokenDelivery: 'body' });
    await two.client.auth.signup.mutate({ ...newAccount(), tokenDelivery: 'body' });
    expireAccessTokens();
    const [a, b] = await Promise.all([one.client.auth.me.query(), two.client.auth.me.query()]);
    expect(a.id).not.toBe(b.id);
    expect([one.traffic.refreshes, two.traffic.refreshes]).toEqual([1, 1]);
  });

  it('the endpoint may be given as the server origin, with a trailing slash, or as /trpc', async () => {
    for (const url of [server.url, `${server.url}/`, `${server.url}/trpc`]) {
      expect(await createClient({ url, tokens: memoryTokens() }).health.ping.query()).toEqual({
        msg: 'pong',
      });
    }
  });
});
