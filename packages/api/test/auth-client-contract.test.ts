import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionActive } from '../src/auth/sessions.ts';
import {
  captureResponse,
  expectError,
  GENEROUS_LIMITS,
  parseSetCookie,
  signedIn,
  signUp,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

/** What a client is told about its credentials (DESIGN §4): when to refresh, when to sign in again. */

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
});
afterAll(() => api?.close());

const MINUTE = 60_000;
const sessionIdOf = (refreshToken: string) => refreshToken.split('.')[0]!;

/** A browser request: these cookies (as the HTTP layer reads them) and a response that records Set-Cookie. */
function browser(cookies: { accessCookie?: string; refreshCookie?: string }) {
  const response = captureResponse();
  const caller = api.anonymous({
    credentials: cookies,
    req: { viaCookie: Boolean(cookies.accessCookie || cookies.refreshCookie) },
    res: response.res,
  });
  const cleared = () =>
    response.cookies
      .map(parseSetCookie)
      .filter((c) => c.value === '' && c.attributes['max-age'] === '0')
      .map((c) => c.name)
      .sort();
  return { caller, cleared };
}

/** Runs `fn` with the clock moved past the access token's lifetime (15 min), then puts it back. */
async function afterAccessExpiry<T>(fn: () => Promise<T>): Promise<T> {
  const start = api.clock.now();
  api.clock.advance(16 * MINUTE);
  try {
    return await fn();
  } finally {
    api.clock.set(start);
  }
}

describe('TOKEN_EXPIRED: the access token is stale, a refresh may succeed', () => {
  it('an expired access token of a live session answers TOKEN_EXPIRED, and after a refresh the call succeeds', async () => {
    const { accessToken, refreshToken, user } = await signUp(api);
    await afterAccessExpiry(async () => {
      await expectError(withBearer(api, accessToken).auth.me(), 'UNAUTHORIZED', 'TOKEN_EXPIRED');
      await expectError(withBearer(api, accessToken).challenges.status(), 'UNAUTHORIZED', 'TOKEN_EXPIRED');
      const renewed = await api.anonymous().auth.refresh({ refreshToken, tokenDelivery: 'body' });
      expect((await withBearer(api, renewed.accessToken!).auth.me()).id).toBe(user.id);
    });
  });

  it('a request with the refresh cookie but no access cookie (the browser dropped it) answers TOKEN_EXPIRED', async () => {
    const { refreshToken } = await signUp(api);
    await expectError(
      browser({ refreshCookie: refreshToken }).caller.auth.me(),
      'UNAUTHORIZED',
      'TOKEN_EXPIRED',
    );
    await expectError(browser({}).caller.auth.me(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });

  it('an expired token of a signed-out session answers SESSION_REVOKED, not TOKEN_EXPIRED (no refresh in vain)', async () => {
    const { accessToken } = await signUp(api);
    await withBearer(api, accessToken).auth.logout();
    await afterAccessExpiry(() =>
      expectError(withBearer(api, accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED'),
    );
  });

  it('an expired session answers SESSION_EXPIRED however old its access token', async () => {
    const { accessToken } = await signUp(api);
    const config = api.services.config;
    config.sessionIdleTtlSec = 10 * 60;
    try {
      await afterAccessExpiry(() =>
        expectError(withBearer(api, accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_EXPIRED'),
      );
    } finally {
      config.sessionIdleTtlSec = 14 * 86_400;
    }
  });

  it('a forged or garbage token stays INVALID_TOKEN, expired or not', async () => {
    const { accessToken } = await signUp(api);
    const [header, payload] = accessToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    await expectError(withBearer(api, forged).auth.me(), 'UNAUTHORIZED', 'INVALID_TOKEN');
    await afterAccessExpiry(() =>
      expectError(withBearer(api, forged).auth.me(), 'UNAUTHORIZED', 'INVALID_TOKEN'),
    );
  });
});

describe('auth.me', () => {
  it("includes the access token's expiresAt, the same instant the sign-in and each refresh announced", async () => {
    const signedUp = await api.anonymous().auth.signup({
      email: `me${Date.now().toString(36)}@example.com`,
      password: 'vivid tundra marble kettle',
      tokenDelivery: 'body',
    });
    const me = await withBearer(api, signedUp.accessToken!).auth.me();
    expect(me.expiresAt).toEqual(signedUp.expiresAt);
    expect(me.expiresAt!.getTime() - api.clock.now().getTime()).toBe(15 * MINUTE);
    api.clock.advance(MINUTE);
    try {
      const renewed = await api.anonymous().auth.refresh({
        refreshToken: signedUp.refreshToken!,
        tokenDelivery: 'body',
      });
      expect((await withBearer(api, renewed.accessToken!).auth.me()).expiresAt).toEqual(renewed.expiresAt);
    } finally {
      api.clock.advance(-MINUTE);
    }
  });

  it('has expiresAt null for an API key (no access token)', async () => {
    const admin = await signUp(api);
    await api.database.db
      .update(schema.users)
      .set({ role: 'admin' })
      .where(eq(schema.users.id, admin.user.id));
    const key = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'contract' });
    expect((await withBearer(api, key.key).auth.me()).expiresAt).toBeNull();
  });
});

describe('auth.session', () => {
  it('is null on a first visit (no credentials): no 401', async () => {
    expect(await api.anonymous().auth.session()).toBeNull();
  });

  it('is the profile with expiresAt when signed in (Bearer or cookie)', async () => {
    const { accessToken, refreshToken, user } = await signUp(api);
    const bearer = await withBearer(api, accessToken).auth.session();
    expect(bearer).toMatchObject({ id: user.id, email: user.email });
    expect(bearer?.expiresAt).toBeInstanceOf(Date);
    const me = await withBearer(api, accessToken).auth.me();
    expect(bearer).toEqual(me);
    const cookie = await browser({
      accessCookie: accessToken,
      refreshCookie: refreshToken,
    }).caller.auth.session();
    expect(cookie?.id).toBe(user.id);
  });

  it('is TOKEN_EXPIRED when only the access token is stale, so the client refreshes instead of signing out', async () => {
    const { accessToken, refreshToken } = await signUp(api);
    await expectError(
      browser({ refreshCookie: refreshToken }).caller.auth.session(),
      'UNAUTHORIZED',
      'TOKEN_EXPIRED',
    );
    await afterAccessExpiry(() =>
      expectError(withBearer(api, accessToken).auth.session(), 'UNAUTHORIZED', 'TOKEN_EXPIRED'),
    );
  });

  it('is null for credentials that sign nobody in, and expires such cookies', async () => {
    const { accessToken, refreshToken } = await signUp(api);
    await withBearer(api, accessToken).auth.logout();
    expect(await withBearer(api, accessToken).auth.session()).toBeNull();
    expect(await withBearer(api, 'garbage').auth.session()).toBeNull();
    const dead = browser({ accessCookie: accessToken, refreshCookie: refreshToken });
    expect(await dead.caller.auth.session()).toBeNull();
    expect(dead.cleared()).toEqual(['sb_at', 'sb_rt']);
  });
});

describe('auth.logout', () => {
  it('works with the refresh cookie alone (the access token expired) and expires both cookies', async () => {
    const { refreshToken } = await signUp(api);
    const sessionId = sessionIdOf(refreshToken);
    const tab = browser({ refreshCookie: refreshToken });
    expect(await tab.caller.auth.logout()).toEqual({ ok: true });
    expect(tab.cleared()).toEqual(['sb_at', 'sb_rt']);
    expect(await isSessionActive({ db: api.database.db, now: api.clock.now() }, sessionId)).toBe(false);
    await expectError(
      api.anonymous().auth.refresh({ refreshToken, tokenDelivery: 'body' }),
      'UNAUTHORIZED',
      'SESSION_REVOKED',
    );
    const [row] = await api.database.db
      .select()
      .from(schema.sessions)
      .where(eq(schema.sessions.id, sessionId));
    expect(row?.revokedReason).toBe('logout');
    const audit = await api.database.db
      .select({ action: schema.auditLog.action })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.target, sessionId));
    expect(audit.map((r) => r.action)).toContain('session_logout');
  });

  it('takes a native client refresh token in the body when its access token expired', async () => {
    const { accessToken, refreshToken } = await signUp(api);
    await afterAccessExpiry(async () => {
      // The stale access token alone: TOKEN_EXPIRED, so a client refreshes and retries.
      await expectError(withBearer(api, accessToken).auth.logout(), 'UNAUTHORIZED', 'TOKEN_EXPIRED');
      expect(await withBearer(api, accessToken).auth.logout({ refreshToken })).toEqual({ ok: true });
    });
    await expectError(
      api.anonymous().auth.refresh({ refreshToken, tokenDelivery: 'body' }),
      'UNAUTHORIZED',
      'SESSION_REVOKED',
    );
  });

  it('accepts the previous refresh secret (a tab signing out while another rotated the cookie)', async () => {
    const { refreshToken } = await signUp(api);
    const rotated = await api.anonymous().auth.refresh({ refreshToken, tokenDelivery: 'body' });
    expect(await browser({ refreshCookie: refreshToken }).caller.auth.logout()).toEqual({ ok: true });
    await expectError(withBearer(api, rotated.accessToken!).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
  });

  it('is no error for a session that already ended, and refuses tokens that prove nothing', async () => {
    const { refreshToken } = await signUp(api);
    await browser({ refreshCookie: refreshToken }).caller.auth.logout();
    expect(await browser({ refreshCookie: refreshToken }).caller.auth.logout()).toEqual({ ok: true });

    const other = await signUp(api);
    const [id] = other.refreshToken.split('.');
    const guessed = `${id}.${'A'.repeat(43)}`;
    await expectError(
      browser({ refreshCookie: guessed }).caller.auth.logout(),
      'UNAUTHORIZED',
      'INVALID_TOKEN',
    );
    await expectError(
      browser({ refreshCookie: 'junk' }).caller.auth.logout(),
      'UNAUTHORIZED',
      'INVALID_TOKEN',
    );
    expect((await withBearer(api, other.accessToken).auth.me()).id).toBe(other.user.id);
    await expectError(api.anonymous().auth.logout(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });

  it('with a live access token signs out that session only', async () => {
    const first = await signUp(api);
    const second = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: first.user.email, password: first.password, tokenDelivery: 'body' }),
    );
    await withBearer(api, first.accessToken).auth.logout();
    await expectError(withBearer(api, first.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    expect((await withBearer(api, second.accessToken!).auth.me()).id).toBe(first.user.id);
  });
});
