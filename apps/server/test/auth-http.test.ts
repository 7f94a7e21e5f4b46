import { createEmptyPgDatabase } from '@skillbytes/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ServerProcess,
  spawnServer,
  startTestServer,
  type TestServer,
  type TrpcBody,
  trpcGet,
  trpcPost,
} from './harness.ts';

/** The result of a successful call (the error, if it failed). */
function dataOf<T>(body: TrpcBody): T {
  if (!body.result) throw new Error(`call failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json as T;
}

const PASSWORD = 'vivid tundra marble kettle';
const WRONG = 'saffron quarry lantern 93';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    CORS_ORIGINS: 'http://app.example.com',
    SIGNUPS_PER_IP_PER_HOUR: '10000',
    LOGIN_MAX_FAILURES_PER_IP: '10000',
  });
});
afterAll(() => server?.close());

let n = 0;
const fresh = () => `h${Date.now().toString(36)}${++n}`;

/** What a browser keeps: the cookie pairs from Set-Cookie headers. */
function cookieJar(res: Response) {
  const set = res.headers.getSetCookie();
  const pairs = set.map((c) => c.split(';')[0]!);
  return { set, header: pairs.join('; '), pairs };
}

/** A browser sign-up: same origin, cookies back. */
async function browserSignup() {
  const name = fresh();
  const email = `${name}@example.com`;
  const { res, body } = await trpcPost(
    server.url,
    'auth.signup',
    { email, password: PASSWORD, username: name },
    { origin: server.url },
  );
  expect(res.status).toBe(200);
  const user = dataOf<{ user: { id: string } }>(body).user;
  return { email, name, userId: user.id, jar: cookieJar(res), res, body };
}

const sessionsOf = (userId: string) =>
  server.services.db.query.sessions.findMany({ where: (s, { eq }) => eq(s.userId, userId) });

describe('browser sessions over HTTP', () => {
  it('sign-up sets HttpOnly SameSite=Lax session and device cookies, no-store, and no refresh token in the body', async () => {
    const { jar, res, body } = await browserSignup();
    expect(jar.set).toHaveLength(3);
    for (const c of jar.set) {
      expect(c).toMatch(/; HttpOnly/);
      expect(c).toMatch(/; SameSite=Lax/);
      expect(c).toMatch(/; Path=\//);
      expect(c).not.toMatch(/Domain=/i);
    }
    expect(jar.pairs.map((p) => p.split('=')[0]).sort()).toEqual(['sb_at', 'sb_dt', 'sb_rt']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const json = JSON.stringify(body);
    const refresh = jar.pairs.find((p) => p.startsWith('sb_rt='))!.slice('sb_rt='.length);
    expect(json).not.toContain(refresh);
    expect(json).not.toContain('refreshToken');
  });

  it('a batched call keeps every cookie its procedures set (none is overwritten)', async () => {
    const first = await browserSignup();
    const second = await browserSignup();
    const res = await fetch(`${server.url}/trpc/auth.login,auth.login?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({
        0: { json: { identifier: first.email, password: PASSWORD } },
        1: { json: { identifier: second.name, password: PASSWORD } },
      }),
    });
    expect(res.status).toBe(200);
    const names = cookieJar(res).pairs.map((p) => p.split('=')[0]);
    expect(names.sort()).toEqual(['sb_at', 'sb_at', 'sb_dt', 'sb_dt', 'sb_rt', 'sb_rt']);
  });

  it('the cookie authenticates queries; refresh rotates the cookies; a replayed refresh cookie is refused and cleared', async () => {
    const { jar, userId } = await browserSignup();
    const me = await trpcGet(server.url, 'auth.me', undefined, { cookie: jar.header });
    expect(me.res.status).toBe(200);
    expect(dataOf<{ id: string }>(me.body).id).toBe(userId);

    const refreshed = await trpcPost(server.url, 'auth.refresh', undefined, {
      cookie: jar.header,
      origin: server.url,
    });
    expect(refreshed.res.status).toBe(200);
    const next = cookieJar(refreshed.res);
    expect(next.pairs).toHaveLength(2);
    expect(next.header).not.toBe(jar.header);
    expect((await trpcGet(server.url, 'auth.me', undefined, { cookie: next.header })).res.status).toBe(200);

    const replay = await trpcPost(server.url, 'auth.refresh', undefined, {
      cookie: jar.header,
      origin: server.url,
    });
    expect(replay.res.status).toBe(401);
    expect(replay.body.error?.json.data.appCode).toBe('SESSION_REVOKED');
    expect(cookieJar(replay.res).set.every((c) => /Max-Age=0/.test(c))).toBe(true);
    // Reuse revoked the session: the rotated cookies are dead too.
    const after = await trpcGet(server.url, 'auth.me', undefined, { cookie: next.header });
    expect(after.res.status).toBe(401);
  });

  it('logout expires both cookies and the old cookie is refused on the next request', async () => {
    const { jar } = await browserSignup();
    const out = await trpcPost(server.url, 'auth.logout', undefined, {
      cookie: jar.header,
      origin: server.url,
    });
    expect(out.res.status).toBe(200);
    expect(cookieJar(out.res).set.every((c) => /Max-Age=0/.test(c))).toBe(true);
    const me = await trpcGet(server.url, 'auth.me', undefined, { cookie: jar.header });
    expect(me.res.status).toBe(401);
    expect(me.body.error?.json.data.appCode).toBe('SESSION_REVOKED');
  });

  it('a native client asks for tokens in the body and uses Authorization: Bearer without an Origin', async () => {
    const name = fresh();
    const { res, body } = await trpcPost(server.url, 'auth.signup', {
      email: `${name}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    expect(res.headers.getSetCookie()).toEqual([]);
    const tokens = dataOf<{ accessToken: string; refreshToken: string }>(body);
    const me = await trpcGet(server.url, 'auth.me', undefined, {
      authorization: `Bearer ${tokens.accessToken}`,
    });
    expect(me.res.status).toBe(200);
    const refreshed = await trpcPost(server.url, 'auth.refresh', {
      refreshToken: tokens.refreshToken,
      tokenDelivery: 'body',
    });
    expect(refreshed.res.status).toBe(200);
    expect(refreshed.body.result?.data.json).toHaveProperty('refreshToken');
  });

  it('subscriptions authenticate with the cookie (no token in the URL)', async () => {
    const { jar } = await browserSignup();
    const open = async (headers: Record<string, string>) => {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/trpc/inbox.onMessage`, {
        headers: { accept: 'text/event-stream', ...headers },
        signal: controller.signal,
      });
      const status = res.status;
      const type = res.headers.get('content-type');
      const first = await res.body
        ?.getReader()
        .read()
        .then((r) => new TextDecoder().decode(r.value));
      controller.abort();
      return { status, type, first: first ?? '' };
    };
    const withCookie = await open({ cookie: jar.header });
    expect(withCookie.status).toBe(200);
    expect(withCookie.type).toContain('text/event-stream');
    expect(withCookie.first).not.toContain('UNAUTHORIZED');
    const anonymous = await open({});
    expect(`${anonymous.status} ${anonymous.first}`).toMatch(/401|UNAUTHORIZED/);
  });
});

describe('CSRF', () => {
  it('refuses multipart and text/plain POSTs to auth.logout with a valid cookie; the session survives', async () => {
    const { jar, userId } = await browserSignup();
    for (const [type, body] of [
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      ],
      ['text/plain', '{}'],
      ['application/x-www-form-urlencoded', 'a=1'],
    ] as const) {
      const res = await fetch(`${server.url}/trpc/auth.logout`, {
        method: 'POST',
        headers: { 'content-type': type, cookie: jar.header, origin: server.url },
        body,
      });
      expect(res.status, type).toBe(415);
    }
    const sessions = await sessionsOf(userId);
    expect(sessions.every((s) => s.revokedAt === null)).toBe(true);
    expect((await trpcGet(server.url, 'auth.me', undefined, { cookie: jar.header })).res.status).toBe(200);
  });

  it('refuses a cookie request from a foreign origin and changes nothing in the database', async () => {
    const { jar, userId } = await browserSignup();
    for (const origin of ['https://evil.example', 'null', 'http://app.example.com.evil.io']) {
      const out = await trpcPost(server.url, 'auth.logout', undefined, { cookie: jar.header, origin });
      expect(out.res.status, origin).toBe(403);
      expect(out.body.error?.json.data.appCode).toBe('CSRF_REJECTED');
    }
    const viaReferer = await trpcPost(server.url, 'auth.sessions.revokeOthers', undefined, {
      cookie: jar.header,
      referer: 'https://evil.example/page',
    });
    expect(viaReferer.res.status).toBe(403);
    const noOrigin = await trpcPost(server.url, 'auth.logout', undefined, { cookie: jar.header });
    expect(noOrigin.res.status).toBe(403);
    const sessions = await sessionsOf(userId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.revokedAt).toBeNull();
  });

  it('accepts an allowlisted CORS origin and a same-origin Referer', async () => {
    const { jar } = await browserSignup();
    const fromApp = await trpcPost(
      server.url,
      'auth.updateProfile',
      { name: 'From App' },
      {
        cookie: jar.header,
        origin: 'http://app.example.com',
      },
    );
    expect(fromApp.res.status).toBe(200);
    expect(fromApp.res.headers.get('access-control-allow-origin')).toBe('http://app.example.com');
    const viaReferer = await trpcPost(
      server.url,
      'auth.updateProfile',
      { name: 'Same Site' },
      {
        cookie: jar.header,
        referer: `${server.url}/settings`,
      },
    );
    expect(viaReferer.res.status).toBe(200);
  });

  it('reads cookies with the parser authentication uses: `sb_at =<token>` without an Origin is refused', async () => {
    const { jar, userId } = await browserSignup();
    const tokenOf = (name: string) => jar.pairs.find((p) => p.startsWith(`${name}=`))!.slice(name.length + 1);
    const spaced = `sb_at =${tokenOf('sb_at')}`;
    // The same header authenticates a query, so it must be CSRF-checked as a cookie request.
    expect((await trpcGet(server.url, 'auth.me', undefined, { cookie: spaced })).res.status).toBe(200);
    for (const cookie of [spaced, `sb_rt =${tokenOf('sb_rt')}`, `other=1;  sb_at\t=${tokenOf('sb_at')}`]) {
      const out = await trpcPost(server.url, 'auth.logout', undefined, { cookie });
      expect(out.res.status, cookie).toBe(403);
      expect(out.body.error?.json.data.appCode).toBe('CSRF_REJECTED');
    }
    const sessions = await sessionsOf(userId);
    expect(sessions.every((s) => s.revokedAt === null)).toBe(true);
  });

  it('login from a foreign origin is refused too (login CSRF)', async () => {
    const { email } = await browserSignup();
    const out = await trpcPost(
      server.url,
      'auth.login',
      { identifier: email, password: PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(out.res.status).toBe(403);
    expect(out.res.headers.getSetCookie()).toEqual([]);
  });
});

describe('login errors over HTTP', () => {
  it('unknown user and wrong password answer the same status, code, appCode, message and keys', async () => {
    const { email } = await browserSignup();
    const a = await trpcPost(server.url, 'auth.login', {
      identifier: `x${fresh()}@example.com`,
      password: WRONG,
    });
    const b = await trpcPost(server.url, 'auth.login', { identifier: email, password: WRONG });
    expect(a.res.status).toBe(401);
    expect(b.res.status).toBe(401);
    const shape = (body: TrpcBody) => body.error!.json;
    expect(shape(a.body)).toEqual(shape(b.body));
    expect(shape(a.body).data.appCode).toBe('INVALID_CREDENTIALS');
  });

  it('a throttled login is a 429 with Retry-After and data.details.retryAfter', async () => {
    const { email } = await browserSignup();
    for (let i = 0; i < 5; i++)
      await trpcPost(server.url, 'auth.login', { identifier: email, password: WRONG });
    const out = await trpcPost(server.url, 'auth.login', { identifier: email, password: PASSWORD });
    expect(out.res.status).toBe(429);
    expect(out.body.error?.json.data.appCode).toBe('RATE_LIMITED');
    const retryAfter = (out.body.error!.json.data.details as { retryAfter: number }).retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(out.res.headers.get('retry-after')).toBe(String(retryAfter));
  });
});

describe('device cookie over HTTP', () => {
  it("a browser that signed in before keeps signing in while a stranger's guesses throttle everyone else", async () => {
    const { email, jar } = await browserSignup();
    const device = jar.set.find((c) => c.startsWith('sb_dt='))!;
    expect(device).toMatch(/; HttpOnly/);
    expect(Number(/Max-Age=(\d+)/.exec(device)![1])).toBeGreaterThan(300 * 86_400);
    const deviceCookie = device.split(';')[0]!;
    for (let i = 0; i < 6; i++) {
      await trpcPost(
        server.url,
        'auth.login',
        { identifier: email, password: WRONG },
        { origin: server.url },
      );
    }
    const stranger = await trpcPost(
      server.url,
      'auth.login',
      { identifier: email, password: PASSWORD },
      { origin: server.url },
    );
    expect(stranger.res.status).toBe(429);
    const owner = await trpcPost(
      server.url,
      'auth.login',
      { identifier: email, password: PASSWORD },
      { origin: server.url, cookie: deviceCookie },
    );
    expect(owner.res.status).toBe(200);
    expect(
      cookieJar(owner.res)
        .pairs.map((p) => p.split('=')[0])
        .sort(),
    ).toEqual(['sb_at', 'sb_dt', 'sb_rt']);
    // Without an Origin, a request carrying the device cookie is held to the CSRF rules too.
    const noOrigin = await trpcPost(
      server.url,
      'auth.login',
      { identifier: email, password: PASSWORD },
      { cookie: deviceCookie },
    );
    expect(noOrigin.body.error?.json.data.appCode).toBe('CSRF_REJECTED');
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('two server processes on one PostgreSQL', () => {
  let pg: { url: string; drop(): Promise<void> };
  let a: ServerProcess;
  let b: ServerProcess;
  const admin = { email: 'twin-admin@example.com', password: 'copper lantern fjord 77' };
  beforeAll(async () => {
    pg = await createEmptyPgDatabase(process.env.TEST_DATABASE_URL!);
    const env = {
      DATABASE_URL: pg.url,
      JWT_SECRET: 'shared-secret-for-two-processes-0123456789',
      MFA_ENCRYPTION_KEY: 'AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=',
      SEED_STARTER_POOL: 'false',
      // The revocation rounds sign up more accounts from one address than the default allows.
      SIGNUPS_PER_IP_PER_HOUR: '1000',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    };
    // Both start at once: migrations and the admin bootstrap must cope with each other.
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.drop();
  });

  it('a logout on one process is refused on the next request to the other', async () => {
    const name = fresh();
    const signed = await trpcPost(a.url, 'auth.signup', {
      email: `${name}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const { accessToken } = dataOf<{ accessToken: string }>(signed.body);
    const bearer = { authorization: `Bearer ${accessToken}` };
    expect((await trpcGet(b.url, 'auth.me', undefined, bearer)).res.status).toBe(200);
    expect((await trpcPost(a.url, 'auth.logout', undefined, bearer)).res.status).toBe(200);
    const after = await trpcGet(b.url, 'auth.me', undefined, bearer);
    expect(after.res.status).toBe(401);
    expect(after.body.error?.json.data.appCode).toBe('SESSION_REVOKED');
  });

  it('a revocation on one process is refused on the next request to the other, every time, while the other is busy', async () => {
    const signUp = async () => {
      const name = fresh();
      const signed = await trpcPost(a.url, 'auth.signup', {
        email: `${name}@example.com`,
        password: PASSWORD,
        tokenDelivery: 'body',
      });
      return { authorization: `Bearer ${dataOf<{ accessToken: string }>(signed.body).accessToken}` };
    };
    // Other users keep b busy, so b's session reads are shared between requests (session-reads.ts).
    const others = await Promise.all(Array.from({ length: 4 }, signUp));
    let busy = true;
    const background = Promise.all(
      others.map(async (bearer) => {
        while (busy) expect((await trpcGet(b.url, 'auth.me', undefined, bearer)).res.status).toBe(200);
      }),
    );
    try {
      for (let round = 0; round < 10; round++) {
        const bearer = await signUp();
        expect((await trpcGet(b.url, 'auth.me', undefined, bearer)).res.status).toBe(200);
        expect((await trpcPost(a.url, 'auth.logout', undefined, bearer)).res.status).toBe(200);
        const after = await trpcGet(b.url, 'auth.me', undefined, bearer);
        expect(after.body.error?.json.data.appCode, `round ${round}`).toBe('SESSION_REVOKED');
      }
    } finally {
      busy = false;
      await background;
    }
  }, 120_000);

  it('both started at once with ADMIN_EMAIL: one admin account, usable on either process', async () => {
    for (const server of [a, b]) {
      const login = await trpcPost(server.url, 'auth.login', {
        identifier: admin.email,
        password: admin.password,
        tokenDelivery: 'body',
      });
      expect(login.res.status).toBe(200);
      expect(dataOf<{ user: { role: string } }>(login.body).user.role).toBe('admin');
      const { accessToken } = dataOf<{ accessToken: string }>(login.body);
      const list = await trpcGet(
        server.url,
        'admin.users.list',
        { query: 'twin-admin' },
        {
          authorization: `Bearer ${accessToken}`,
        },
      );
      expect(dataOf<{ items: unknown[] }>(list.body).items).toHaveLength(1);
    }
  });

  it('a password reset through one process signs the user out on both, at once', async () => {
    const name = fresh();
    const signed = await trpcPost(a.url, 'auth.signup', {
      email: `${name}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const { accessToken, user } = dataOf<{ accessToken: string; user: { id: string } }>(signed.body);
    const bearer = { authorization: `Bearer ${accessToken}` };
    for (const server of [a, b])
      expect((await trpcGet(server.url, 'auth.me', undefined, bearer)).res.status).toBe(200);
    const adminLogin = await trpcPost(a.url, 'auth.login', {
      identifier: admin.email,
      password: admin.password,
      tokenDelivery: 'body',
    });
    const adminBearer = {
      authorization: `Bearer ${dataOf<{ accessToken: string }>(adminLogin.body).accessToken}`,
    };
    const issued = await trpcPost(a.url, 'admin.users.issuePasswordReset', { id: user.id }, adminBearer);
    const { url } = dataOf<{ url: string }>(issued.body);
    const token = /#token=([A-Za-z0-9_-]{43})$/.exec(url)?.[1];
    expect(token).toBeDefined();
    const reset = await trpcPost(b.url, 'auth.resetPassword', { token, newPassword: WRONG });
    expect(reset.res.status).toBe(200);
    expect(reset.res.headers.get('cache-control')).toBe('no-store');
    for (const server of [b, a]) {
      const after = await trpcGet(server.url, 'auth.me', undefined, bearer);
      expect(after.res.status).toBe(401);
      expect(after.body.error?.json.data.appCode).toBe('SESSION_REVOKED');
    }
    const again = await trpcPost(a.url, 'auth.resetPassword', { token, newPassword: PASSWORD });
    expect(again.res.status).toBe(400);
    expect(again.body.error?.json.data.appCode).toBe('RESET_TOKEN_INVALID');
    const login = await trpcPost(a.url, 'auth.login', { identifier: `${name}@example.com`, password: WRONG });
    expect(login.res.status).toBe(200);
  });

  it('rate limits are shared: failures on one process count on the other', async () => {
    const name = fresh();
    await trpcPost(a.url, 'auth.signup', { email: `${name}@example.com`, password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      const target = i % 2 ? a : b;
      await trpcPost(target.url, 'auth.login', { identifier: name, password: WRONG });
    }
    expect((await trpcPost(a.url, 'auth.login', { identifier: name, password: WRONG })).res.status).toBe(429);
  });
});
