import { testClock } from '@skillbytes/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TrpcBody, trpcGet, trpcPost } from './harness.ts';

/** What a browser client relies on (DESIGN §4): when to refresh, a first visit without a 401, logout by cookie. */

const PASSWORD = 'vivid tundra marble kettle';
const MINUTE = 60_000;

const clock = testClock(new Date());
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SIGNUPS_PER_IP_PER_HOUR: '10000' }, { clock });
});
afterAll(() => server?.close());

let n = 0;
const fresh = () => `s${Date.now().toString(36)}${++n}`;

/** Cookie name → value, from Set-Cookie headers. */
function cookiesOf(res: Response): Record<string, string> {
  return Object.fromEntries(
    res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]),
  );
}

/** The cookies a response expired (Max-Age=0). */
const clearedBy = (res: Response) =>
  res.headers
    .getSetCookie()
    .filter((c) => /Max-Age=0/.test(c))
    .map((c) => c.split('=')[0])
    .sort();

const appCodeOf = (body: TrpcBody) => body.error?.json.data.appCode;

async function browserSignup() {
  const name = fresh();
  const { res, body } = await trpcPost(
    server.url,
    'auth.signup',
    { email: `${name}@example.com`, password: PASSWORD, username: name },
    { origin: server.url },
  );
  expect(res.status).toBe(200);
  const cookies = cookiesOf(res);
  return {
    userId: (body.result!.data.json as { user: { id: string } }).user.id,
    access: cookies.sb_at!,
    refresh: cookies.sb_rt!,
  };
}

describe('the client contract over HTTP', () => {
  it('a first visit asks auth.session and gets null, not a 401', async () => {
    const { res, body } = await trpcGet(server.url, 'auth.session');
    expect(res.status).toBe(200);
    expect(body.result?.data.json).toBeNull();
  });

  it('a browser whose access cookie is gone hears TOKEN_EXPIRED, refreshes with its cookie, and the retry succeeds', async () => {
    const { userId, refresh } = await browserSignup();
    // The access cookie's Max-Age is the token's lifetime: after it, the browser sends only sb_rt.
    const stale = await trpcGet(server.url, 'auth.me', undefined, { cookie: `sb_rt=${refresh}` });
    expect(stale.res.status).toBe(401);
    expect(appCodeOf(stale.body)).toBe('TOKEN_EXPIRED');
    const session = await trpcGet(server.url, 'auth.session', undefined, { cookie: `sb_rt=${refresh}` });
    expect(appCodeOf(session.body)).toBe('TOKEN_EXPIRED');

    const renewed = await trpcPost(server.url, 'auth.refresh', undefined, {
      cookie: `sb_rt=${refresh}`,
      origin: server.url,
    });
    expect(renewed.res.status).toBe(200);
    const cookies = cookiesOf(renewed.res);
    const retry = await trpcGet(server.url, 'auth.me', undefined, {
      cookie: `sb_at=${cookies.sb_at}; sb_rt=${cookies.sb_rt}`,
    });
    expect(retry.res.status).toBe(200);
    const me = retry.body.result?.data.json as { id: string; expiresAt: string };
    expect(me.id).toBe(userId);
    // superjson's envelope carries the Date; the JSON value is its ISO string (JWT `exp`: whole seconds).
    const issuedAt = Math.floor(clock.now().getTime() / 1000) * 1000;
    expect(new Date(me.expiresAt).getTime()).toBe(issuedAt + 15 * MINUTE);
  });

  it('an expired access token answers TOKEN_EXPIRED for Bearer, cookie and SSE alike', async () => {
    const name = fresh();
    const signup = await trpcPost(server.url, 'auth.signup', {
      email: `${name}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const { accessToken } = signup.body.result!.data.json as { accessToken: string };
    const browser = await browserSignup();
    const start = clock.now();
    clock.advance(16 * MINUTE);
    try {
      const bearer = await trpcGet(server.url, 'auth.me', undefined, {
        authorization: `Bearer ${accessToken}`,
      });
      expect(bearer.res.status).toBe(401);
      expect(appCodeOf(bearer.body)).toBe('TOKEN_EXPIRED');
      const cookie = await trpcGet(server.url, 'challenges.status', undefined, {
        cookie: `sb_at=${browser.access}; sb_rt=${browser.refresh}`,
      });
      expect(appCodeOf(cookie.body)).toBe('TOKEN_EXPIRED');

      // A subscription opens its stream, then sends the error as an event (tRPC's SSE protocol).
      const ac = new AbortController();
      const sse = await fetch(`${server.url}/trpc/inbox.onMessage`, {
        headers: { accept: 'text/event-stream', cookie: `sb_at=${browser.access}` },
        signal: ac.signal,
      });
      const reader = sse.body!.getReader();
      let text = '';
      while (!text.includes('serialized-error')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      ac.abort();
      expect(text).toContain('serialized-error');
      expect(text).toContain('TOKEN_EXPIRED');
    } finally {
      clock.set(start);
    }
  });

  it('logout with only the refresh cookie ends the session and expires both cookies', async () => {
    const { refresh } = await browserSignup();
    const out = await trpcPost(server.url, 'auth.logout', undefined, {
      cookie: `sb_rt=${refresh}`,
      origin: server.url,
    });
    expect(out.res.status).toBe(200);
    expect(out.body.result?.data.json).toEqual({ ok: true });
    expect(clearedBy(out.res)).toEqual(['sb_at', 'sb_rt']);
    const again = await trpcPost(server.url, 'auth.refresh', undefined, {
      cookie: `sb_rt=${refresh}`,
      origin: server.url,
    });
    expect(again.res.status).toBe(401);
    expect(appCodeOf(again.body)).toBe('SESSION_REVOKED');
  });

  it('a cookie-only logout is still a cookie request: without our Origin it is refused', async () => {
    const { refresh } = await browserSignup();
    const forged = await trpcPost(server.url, 'auth.logout', undefined, { cookie: `sb_rt=${refresh}` });
    expect(forged.res.status).toBe(403);
    expect(appCodeOf(forged.body)).toBe('CSRF_REJECTED');
    const cross = await trpcPost(server.url, 'auth.logout', undefined, {
      cookie: `sb_rt=${refresh}`,
      origin: 'http://evil.example',
    });
    expect(cross.res.status).toBe(403);
    // The session survived both.
    const renewed = await trpcPost(server.url, 'auth.refresh', undefined, {
      cookie: `sb_rt=${refresh}`,
      origin: server.url,
    });
    expect(renewed.res.status).toBe(200);
  });
});

/** Cookie values an attacker controls: none of them may send a client to refresh, none may cost a 500. */
const HOSTILE_VALUES = [
  '',
  'garbage',
  '%',
  '%00',
  '%zz',
  '%E0%A4%A',
  encodeURIComponent('\u0000\u0001\u00ff'),
  '"quoted"',
  'x'.repeat(7000),
  `${crypto.randomUUID()}.${'A'.repeat(43)}`,
];

describe('what the credentials of a request tell an attacker, and cost the server', () => {
  it('a refresh cookie that proves nothing is INVALID_TOKEN, not TOKEN_EXPIRED; auth.session answers null and expires it', async () => {
    const victim = await browserSignup();
    const [victimSession] = victim.refresh.split('.');
    const attempts = [
      ...HOSTILE_VALUES.filter(Boolean).map(encodeURIComponent),
      `${victimSession}.${'A'.repeat(43)}`, // the victim's session id, a guessed secret
      `${victim.refresh}x`,
      victim.refresh.toUpperCase(),
    ];
    for (const value of attempts) {
      const cookie = `sb_rt=${value}`;
      const me = await trpcGet(server.url, 'auth.me', undefined, { cookie });
      expect(me.res.status, value).toBe(401);
      expect(appCodeOf(me.body), value).toBe('INVALID_TOKEN');
      const session = await trpcGet(server.url, 'auth.session', undefined, { cookie });
      expect(session.res.status, value).toBe(200);
      expect(session.body.result?.data.json, value).toBeNull();
      expect(clearedBy(session.res), value).toEqual(['sb_at', 'sb_rt']);
    }
    // None of it touched the victim's session.
    const me = await trpcGet(server.url, 'auth.me', undefined, { cookie: `sb_at=${victim.access}` });
    expect(me.res.status).toBe(200);
  });

  it('a refresh cookie of a session that ended says so at once; the previous secret (another tab rotated it) still says TOKEN_EXPIRED', async () => {
    const tab = await browserSignup();
    // Another tab rotated the cookie while this request was on its way: a refresh (with the new
    // cookie, which the browser sends from then on) will succeed.
    const rotated = await trpcPost(server.url, 'auth.refresh', undefined, {
      cookie: `sb_rt=${tab.refresh}`,
      origin: server.url,
    });
    expect(rotated.res.status).toBe(200);
    const stale = await trpcGet(server.url, 'auth.me', undefined, { cookie: `sb_rt=${tab.refresh}` });
    expect(appCodeOf(stale.body)).toBe('TOKEN_EXPIRED');

    const out = await trpcPost(server.url, 'auth.logout', undefined, {
      cookie: `sb_rt=${cookiesOf(rotated.res).sb_rt}`,
      origin: server.url,
    });
    expect(out.res.status).toBe(200);
    const ended = await trpcGet(server.url, 'auth.me', undefined, { cookie: `sb_rt=${tab.refresh}` });
    expect(appCodeOf(ended.body)).toBe('SESSION_REVOKED');
    const session = await trpcGet(server.url, 'auth.session', undefined, { cookie: `sb_rt=${tab.refresh}` });
    expect(session.body.result?.data.json).toBeNull();
  });

  it('an expired access token does not count as using the session (no idle-time bump)', async () => {
    const { access, refresh } = await browserSignup();
    const sessionId = refresh.split('.')[0]!;
    const lastUsed = async () =>
      (await server.services.db.query.sessions.findFirst({ where: (s, { eq }) => eq(s.id, sessionId) }))
        ?.lastUsedAt;
    const before = await lastUsed();
    const start = clock.now();
    clock.advance(2 * 60 * MINUTE);
    try {
      for (let i = 0; i < 3; i++) {
        const stale = await trpcGet(server.url, 'auth.me', undefined, { cookie: `sb_at=${access}` });
        expect(appCodeOf(stale.body)).toBe('TOKEN_EXPIRED');
      }
      expect(await lastUsed()).toEqual(before);
    } finally {
      clock.set(start);
    }
  });

  it('hostile cookies and bodies never cost a 500: auth.session, auth.me, auth.refresh, auth.logout', async () => {
    for (const value of HOSTILE_VALUES) {
      for (const name of ['sb_at', 'sb_rt', 'sb_dt']) {
        const cookie = `${name}=${value}`;
        for (const procedure of ['auth.session', 'auth.me']) {
          const { res } = await trpcGet(server.url, procedure, undefined, { cookie });
          expect(res.status, `${procedure} ${cookie.slice(0, 40)}`).toBeLessThan(500);
        }
        for (const procedure of ['auth.refresh', 'auth.logout']) {
          const { res } = await trpcPost(server.url, procedure, undefined, { cookie, origin: server.url });
          expect(res.status, `${procedure} ${cookie.slice(0, 40)}`).toBeLessThan(500);
        }
      }
      const { res } = await trpcPost(server.url, 'auth.logout', { refreshToken: value });
      expect(res.status, `logout body ${value.slice(0, 40)}`).toBeLessThan(500);
    }
  });

  it('two logouts at once both succeed and end the session once (one audit row)', async () => {
    const { refresh } = await browserSignup();
    const sessionId = refresh.split('.')[0]!;
    const outs = await Promise.all(
      [1, 2, 3].map(() =>
        trpcPost(server.url, 'auth.logout', undefined, { cookie: `sb_rt=${refresh}`, origin: server.url }),
      ),
    );
    expect(outs.map((o) => o.res.status)).toEqual([200, 200, 200]);
    const audit = await server.services.db.query.auditLog.findMany({
      where: (a, { eq, and }) => and(eq(a.target, sessionId), eq(a.action, 'session_logout')),
    });
    expect(audit).toHaveLength(1);
  });

  it('a logout racing a refresh of the same cookie ends the session, whichever wins: the refreshed pair is dead too', async () => {
    for (let round = 0; round < 4; round++) {
      const { refresh } = await browserSignup();
      const cookie = `sb_rt=${refresh}`;
      const [refreshed, out] = await Promise.all([
        trpcPost(server.url, 'auth.refresh', undefined, { cookie, origin: server.url }),
        trpcPost(server.url, 'auth.logout', undefined, { cookie, origin: server.url }),
      ]);
      expect(out.res.status).toBe(200);
      expect(out.body.result?.data.json).toEqual({ ok: true });
      if (refreshed.res.status === 200) {
        const pair = cookiesOf(refreshed.res);
        const me = await trpcGet(server.url, 'auth.me', undefined, { cookie: `sb_at=${pair.sb_at}` });
        expect(appCodeOf(me.body)).toBe('SESSION_REVOKED');
        const again = await trpcPost(server.url, 'auth.refresh', undefined, {
          cookie: `sb_rt=${pair.sb_rt}`,
          origin: server.url,
        });
        expect(appCodeOf(again.body)).toBe('SESSION_REVOKED');
      } else {
        expect(appCodeOf(refreshed.body)).toBe('SESSION_REVOKED');
      }
    }
  });
});
