import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCodeOf, type FetchLike, type SkillBytesClient } from '../src/index.ts';
import { browserClient, cookieJar, MINUTE, newAccount, startServer } from './fixtures.ts';

/** What a refresh that cannot succeed costs: never a storm, never a loop (the real server throughout). */

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

const expireAccessTokens = () => server.clock.advance(16 * MINUTE);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A browser tab (cookie mode) through `jar`, with a hook in front of every request: `attempts`
 * counts the auth.refresh calls the client made, whatever became of them.
 */
function tab(
  hook: (input: string, send: () => Promise<Response>) => Promise<Response>,
  onSignedOut?: () => void,
) {
  const jar = cookieJar(() => server.url);
  const counts = { refreshAttempts: 0 };
  const fetch: FetchLike = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('auth.refresh')) counts.refreshAttempts += 1;
    return hook(url, () => jar.fetch(input, init));
  };
  const { client } = browserClient(server, { ...jar, fetch }, onSignedOut ? { onSignedOut } : {});
  return { client, jar, counts };
}

/** Eight calls at once, as a page's queries are. */
const eightCalls = (client: SkillBytesClient) =>
  Promise.allSettled([
    client.auth.me.query(),
    client.auth.session.query(),
    client.challenges.status.query(),
    client.inbox.unreadCount.query(),
    client.auth.updateProfile.mutate({ name: 'Ada' }),
    client.auth.me.query(),
    client.inbox.list.query({}),
    client.auth.sessions.list.query(),
  ]);

describe('a refresh that fails', () => {
  const failures = {
    'a network error': () => Promise.reject(new TypeError('fetch failed')),
    'a 500': async () => Response.json({ error: 'internal error' }, { status: 500 }),
  };
  for (const [what, failure] of Object.entries(failures)) {
    it(`(${what}) is tried once for calls that failed together, each gets its TOKEN_EXPIRED, and the next call tries again`, async () => {
      let isBroken = false;
      const { client, counts } = tab((url, send) =>
        isBroken && url.includes('auth.refresh') ? failure() : send(),
      );
      await client.auth.signup.mutate(newAccount());
      expireAccessTokens();
      isBroken = true;
      const results = await eightCalls(client);
      expect(results.map((r) => r.status)).toEqual(Array(8).fill('rejected'));
      for (const r of results) expect(appCodeOf((r as PromiseRejectedResult).reason)).toBe('TOKEN_EXPIRED');
      expect(counts.refreshAttempts).toBe(1);

      // Once the server answers again, the next call refreshes and succeeds.
      isBroken = false;
      expect((await client.auth.me.query()).name).toBe(null);
      expect(counts.refreshAttempts).toBe(2);
    });
  }
});

describe('a session that is over', () => {
  /**
   * The web app's way: when the kit says the session is over, read auth.session again. The jar
   * sends `shadow` cookies on every request, as a browser holding a cookie of another Path or
   * Domain does: the server's Max-Age=0 cannot reach it.
   */
  function appTab(shadow: Record<string, () => string>) {
    let signedOut = 0;
    let isShadowed = false;
    let client: SkillBytesClient | undefined;
    const t = tab(
      (_url, send) => {
        if (isShadowed) for (const [name, value] of Object.entries(shadow)) t.jar.cookies.set(name, value());
        return send();
      },
      () => {
        signedOut += 1;
        if (signedOut < 50) client?.auth.session.query().catch(() => {});
      },
    );
    client = t.client;
    return {
      ...t,
      shadow: (on: boolean) => {
        isShadowed = on;
      },
      get signedOut() {
        return signedOut;
      },
    };
  }

  it('a refresh cookie the browser cannot drop, that proves nothing, is not refreshed at all: auth.session is null', async () => {
    const app = appTab({ sb_rt: () => 'garbage' });
    app.shadow(true);
    expect(await app.client.auth.session.query()).toBeNull();
    await settle(500);
    expect(app.counts.refreshAttempts).toBe(0);
  });

  it('a stale access cookie the browser cannot drop (nothing to refresh with): one refresh, one onSignedOut, no loop; a sign-in ends that', async () => {
    let stale = '';
    const app = appTab({ sb_at: () => stale });
    const account = newAccount();
    await app.client.auth.signup.mutate(account);
    stale = app.jar.cookies.get('sb_at')!;
    app.jar.cookies.delete('sb_rt');
    expireAccessTokens();
    app.shadow(true);
    // The server says TOKEN_EXPIRED (a genuine token of a live session), the refresh says there is no
    // refresh token: the session is over for this browser, whatever its cookie says.
    const error = await app.client.auth.session.query().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(appCodeOf(error)).toBe('TOKEN_EXPIRED');
    await settle(1000);
    expect(app.counts.refreshAttempts).toBe(1);
    expect(app.signedOut).toBe(1);

    // Signing in again (the cookie went away meanwhile): the next expiry refreshes as before.
    app.shadow(false);
    app.jar.cookies.delete('sb_at');
    await app.client.auth.login.mutate({ identifier: account.email, password: account.password });
    expireAccessTokens();
    expect((await app.client.auth.me.query()).email).toBe(account.email);
    expect(app.counts.refreshAttempts).toBe(2);
    expect(app.signedOut).toBe(1);
  });
});
