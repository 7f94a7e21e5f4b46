import { randomUUID } from 'node:crypto';
import { TEXT_MESSAGES } from '@skillbytes/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, trpcPost } from './harness.ts';
import { documentClient, type OpenApiDocument } from './openapi-client.ts';

const LIMIT_KB = 4;
const PASSWORD = 'vivid tundra marble kettle';

let server: TestServer;
let api: ReturnType<typeof documentClient>;
let token: string;
let email: string;

beforeAll(async () => {
  server = await startTestServer({
    BODY_LIMIT_KB: String(LIMIT_KB),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '2',
    CORS_ORIGINS: 'http://app.example.com',
  });
  const docUrl = `${server.url}/openapi.json`;
  api = documentClient(docUrl, (await (await fetch(docUrl)).json()) as OpenApiDocument);
  email = `rest-errors-${randomUUID().slice(0, 8)}@example.com`;
  const signedUp = await api.call('authSignup', { email, password: PASSWORD });
  token = (signedUp.body as { accessToken: string }).accessToken;
});
afterAll(() => server?.close());

type RestErrorBody = {
  error: {
    code: string;
    appCode: string;
    message: string;
    details?: Record<string, unknown>;
    issues?: { formErrors: string[]; fieldErrors: Record<string, string[]> };
  };
};

/** Sends a raw request and checks the answer is the documented error shape, with no stack or 500. */
async function send(path: string, init: RequestInit = {}) {
  const res = await fetch(`${server.url}${path}`, init);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const text = await res.text();
  const body = JSON.parse(text) as RestErrorBody;
  expect(res.status).toBeLessThan(500);
  expect(api.mismatch('Error', body), text).toBe('');
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|stack/);
  return { res, body, error: body.error };
}

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  send(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

const bearer = () => ({ authorization: `Bearer ${token}` });

describe('paths and methods', () => {
  it.each([
    '/api',
    '/api/',
    '/api/nope',
    '/api/auth/signup/',
    '/api/auth',
    '/api/AUTH/ME',
    '/api/auth/me%00',
  ])('an unknown path (%s) is a JSON 404, not the web app and not a 500', async (path) => {
    const { res, error } = await send(path);
    expect(res.status).toBe(404);
    expect(error).toMatchObject({ code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
  });

  it('a route called with the other method is a 405 that names the right one', async () => {
    const get = await send('/api/auth/login');
    expect(get.res.status).toBe(405);
    expect(get.res.headers.get('allow')).toBe('POST');
    expect(get.error).toMatchObject({ code: 'METHOD_NOT_SUPPORTED', appCode: 'METHOD_NOT_ALLOWED' });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const { res } = await send('/api/challenges/daily', { method, headers: bearer() });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    }
    const head = await fetch(`${server.url}/api/auth/me`, { method: 'HEAD' });
    expect(head.status).toBe(405);
  });
});

describe('request bodies', () => {
  it('malformed JSON is a 400 PARSE_ERROR that says so', async () => {
    const { res, error } = await post('/api/auth/login', '{"identifier": "a", ');
    expect(res.status).toBe(400);
    expect(error).toMatchObject({ code: 'PARSE_ERROR', appCode: 'VALIDATION_FAILED' });
    expect(error.message).toMatch(/^The body is not valid JSON/);
  });

  it('JSON nested 2 000 deep (as deep as the body limit allows) is a 400, not a crash', async () => {
    const { res, error } = await post('/api/auth/login', '['.repeat(2_000) + ']'.repeat(2_000));
    expect(res.status).toBe(400);
    expect(error.appCode).toBe('VALIDATION_FAILED');
    expect((await fetch(`${server.url}/api/health/ping`)).status).toBe(200);
  });

  it('a body that is not UTF-8 is a 400', async () => {
    const { res, error } = await post(
      '/api/auth/login',
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    );
    expect(res.status).toBe(400);
    expect(error.message).toBe('The body is not valid UTF-8');
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    '',
  ])('a body sent as %j is a 415', async (type) => {
    const { res, error } = await send('/api/auth/login', {
      method: 'POST',
      headers: type ? { 'content-type': type } : {},
      body: new TextEncoder().encode('{"identifier":"a","password":"b"}'),
    });
    expect(res.status).toBe(415);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', appCode: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('a compressed body is a 415, not bytes read as JSON', async () => {
    const { res } = await post('/api/auth/login', '{}', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
  });

  it('a body over the limit is a 413, whether its length is declared or not', async () => {
    const big = JSON.stringify({ identifier: 'a', password: 'x'.repeat(LIMIT_KB * 1024) });
    const declared = await post('/api/auth/login', big);
    expect(declared.res.status).toBe(413);
    expect(declared.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', appCode: 'PAYLOAD_TOO_LARGE' });

    const chunk = new TextEncoder().encode('x'.repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"identifier":"a","password":"'));
        if (sent >= LIMIT_KB * 4) {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += 1;
      },
    });
    const chunked = await send('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.res.status).toBe(413);
    expect(chunked.error.appCode).toBe('PAYLOAD_TOO_LARGE');
  });

  it('U+0000 in a JSON string is a 400 naming the problem, before any sign-in', async () => {
    const { res, error } = await post(
      '/api/auth/login',
      JSON.stringify({ identifier: 'ada\u0000', password: 'x' }),
    );
    expect(res.status).toBe(400);
    expect(error.appCode).toBe('VALIDATION_FAILED');
    expect(error.issues?.fieldErrors.identifier).toEqual([TEXT_MESSAGES.nul]);
  });

  it('a lone surrogate (a \\ud800 escape) in a profile name is a 400, and nothing is stored', async () => {
    const { res, error } = await post('/api/auth/update-profile', '{"name":"Ada \\ud800"}', bearer());
    expect(res.status).toBe(400);
    expect(error.issues?.fieldErrors.name).toEqual([TEXT_MESSAGES.loneSurrogate]);
    const me = await api.call('authMe', undefined, token);
    expect((me.body as { name: unknown }).name).toBeNull();
  });

  it('a field the input does not take is refused by name', async () => {
    const { res, error } = await post(
      '/api/auth/update-profile',
      JSON.stringify({ role: 'admin' }),
      bearer(),
    );
    expect(res.status).toBe(400);
    expect(error.issues?.formErrors.join()).toMatch(/role/);
  });

  it('a JSON body of the wrong type (an array, a string, null) is a 400, not a 500', async () => {
    for (const body of ['[]', '"x"', 'null', '42']) {
      const { res, error } = await post('/api/auth/login', body);
      expect(res.status, body).toBe(400);
      expect(error.appCode).toBe('VALIDATION_FAILED');
    }
  });
});

describe('query parameters', () => {
  it('a number parameter that is not a number is a 400 for that field', async () => {
    const { res, error } = await send('/api/challenges/completed?limit=abc', { headers: bearer() });
    expect(res.status).toBe(400);
    expect(Object.keys(error.issues?.fieldErrors ?? {})).toEqual(['limit']);
    const outOfRange = await send('/api/challenges/completed?limit=1e9', { headers: bearer() });
    expect(outOfRange.res.status).toBe(400);
  });

  it('is read as its documented type', async () => {
    const res = await fetch(`${server.url}/api/leaderboard/top?window=week&limit=2`, { headers: bearer() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ window: 'week', items: [] });
  });

  it('a repeated, an unknown, or an unexpected parameter is a 400', async () => {
    const repeated = await send('/api/inbox?limit=1&limit=2', { headers: bearer() });
    expect(repeated.res.status).toBe(400);
    expect(repeated.error.message).toMatch(/limit is given 2 times/);
    const unknown = await send('/api/inbox?__proto__=1&constructor=2', { headers: bearer() });
    expect(unknown.res.status).toBe(400);
    expect(unknown.error.issues?.formErrors.join()).toMatch(/__proto__/);
    const none = await send('/api/auth/me?x=1', { headers: bearer() });
    expect(none.res.status).toBe(400);
    expect(none.error.message).toBe('/api/auth/me takes no query parameters');
  });

  it('U+0000 in a parameter is a 400 naming the problem', async () => {
    const { res, error } = await send('/api/challenges/completed?cursor=a%00b', { headers: bearer() });
    expect(res.status).toBe(400);
    expect(error.issues?.fieldErrors.cursor).toEqual([TEXT_MESSAGES.nul]);
  });

  it('a forged cursor is a 400, not a database error', async () => {
    const forged = Buffer.from(JSON.stringify(['2024-13-45 25:61:61', randomUUID()])).toString('base64url');
    const { res, error } = await send(`/api/challenges/submissions?cursor=${forged}`, { headers: bearer() });
    expect(res.status).toBe(400);
    expect(error.message).toMatch(/Invalid cursor/);
  });
});

describe('authentication over REST', () => {
  it('tokens always come in the body: absent tokenDelivery means body, and "cookie" is refused', async () => {
    const login = await api.call('authLogin', { identifier: email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(login.headers.get('set-cookie')).toBeNull();
    expect(login.headers.get('cache-control')).toBe('no-store');
    const cookie = await post(
      '/api/auth/login',
      JSON.stringify({ identifier: email, password: PASSWORD, tokenDelivery: 'cookie' }),
    );
    expect(cookie.res.status).toBe(400);
    expect(cookie.error.message).toMatch(/tokenDelivery must be "body"/);
  });

  it('the session cookies of /trpc sign nobody in over REST, and REST sets none', async () => {
    const { res } = await trpcPost(server.url, 'auth.login', { identifier: email, password: PASSWORD });
    const cookies = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookies).toMatch(/=/);
    const me = await send('/api/auth/me', { headers: { cookie: cookies } });
    expect(me.res.status).toBe(401);
    expect(me.error.appCode).toBe('UNAUTHENTICATED');
    const logout = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: cookies },
    });
    expect(logout.status).toBe(401);
    expect(logout.headers.get('set-cookie')).toBeNull();
  });

  it('a bad bearer token is a 401 with its appCode', async () => {
    const { res, error } = await send('/api/auth/me', { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.appCode).toBe('INVALID_TOKEN');
  });

  it('repeated wrong passwords are throttled exactly as over tRPC: 429 with Retry-After', async () => {
    const target = `throttled-${randomUUID().slice(0, 8)}@example.com`;
    await api.call('authSignup', { email: target, password: PASSWORD });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await post(
        '/api/auth/login',
        JSON.stringify({ identifier: target, password: 'wrong password 1' }),
      );
      statuses.push(last.res.status);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
    expect(last?.error.appCode).toBe('RATE_LIMITED');
    expect(Number(last?.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.error.details?.retryAfter).toEqual(expect.any(Number));
  });

  it('takes no CSRF check: with no cookie in play, a foreign Origin changes nothing', async () => {
    const res = await fetch(`${server.url}/api/auth/update-profile`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(res.status).toBe(200);
    // ...and the browser of that origin could not have sent it: no CORS grant for it.
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
