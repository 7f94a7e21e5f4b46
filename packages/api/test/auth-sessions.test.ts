import { schema } from '@skillbytes/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionActive } from '../src/auth/sessions.ts';
import { sha256 } from '../src/auth/tokens.ts';
import {
  captureResponse,
  expectError,
  GENEROUS_LIMITS,
  parseSetCookie,
  PASSWORD,
  signedIn,
  signUp,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
});
afterAll(() => api?.close());

const MINUTE = 60_000;
const DAY = 86_400_000;

const refresh = (refreshToken: string) =>
  api.anonymous().auth.refresh({ refreshToken, tokenDelivery: 'body' });

const sessionRow = async (sessionId: string) => {
  const [row] = await api.database.db.select().from(schema.sessions).where(eq(schema.sessions.id, sessionId));
  return row!;
};

const sessionIdOf = (refreshToken: string) => refreshToken.split('.')[0]!;

const auditActions = async (target: string) =>
  (
    await api.database.db
      .select({ action: schema.auditLog.action })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.target, target))
  ).map((r) => r.action);

describe('refresh rotation', () => {
  it('rotates the refresh token and issues a new access token on every refresh', async () => {
    const first = await signUp(api);
    const second = await refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(sessionIdOf(second.refreshToken!)).toBe(sessionIdOf(first.refreshToken));
    const third = await refresh(second.refreshToken!);
    expect((await withBearer(api, third.accessToken!).auth.me()).id).toBe(first.user.id);
    const row = await sessionRow(sessionIdOf(first.refreshToken));
    expect(row.rotation).toBe(2);
    expect(await auditActions(row.id)).toEqual(
      expect.arrayContaining(['session_created', 'session_renewed', 'session_renewed']),
    );
  });

  it('stores only a hash of the refresh secret', async () => {
    const { refreshToken } = await signUp(api);
    const [id, secret] = refreshToken.split('.') as [string, string];
    const row = await sessionRow(id);
    const values = Object.values(row).map((v) => String(v));
    expect(values).not.toContain(secret);
    expect(values).not.toContain(refreshToken);
    expect(row.refreshHash).toBe(sha256(secret));
  });

  it('a replayed refresh token revokes the session, and the newer tokens die with it', async () => {
    const first = await signUp(api);
    const second = await refresh(first.refreshToken);
    await expectError(refresh(first.refreshToken), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(refresh(second.refreshToken!), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(withBearer(api, second.accessToken!).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    const sessionId = sessionIdOf(first.refreshToken);
    expect((await sessionRow(sessionId)).revokedReason).toBe('token_reuse');
    expect(await auditActions(sessionId)).toContain('authn_token_reuse');
    const events = await api.services.events.replay(0, first.user.id, ['session.revoked']);
    expect(events.map((e) => e.payload)).toContainEqual({ sessionIds: [sessionId] });
  });

  it('two concurrent refreshes with one token: exactly one wins, then the session is revoked as reused', async () => {
    const { refreshToken, user } = await signUp(api);
    const results = await Promise.allSettled([refresh(refreshToken), refresh(refreshToken)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    await expectError(
      Promise.reject((lost[0] as PromiseRejectedResult).reason),
      'UNAUTHORIZED',
      'SESSION_REVOKED',
    );
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof refresh>>>).value;
    await expectError(refresh(winner.refreshToken!), 'UNAUTHORIZED', 'SESSION_REVOKED');
    expect(
      await isSessionActive({ db: api.database.db, now: api.clock.now() }, sessionIdOf(refreshToken)),
    ).toBe(false);
    expect(await auditActions(sessionIdOf(refreshToken))).toContain('authn_token_reuse');
    expect(user.id).toBeTruthy();
  });

  it('refuses a wrong secret for a real session without signing that session out', async () => {
    const { refreshToken, accessToken } = await signUp(api);
    const forged = `${sessionIdOf(refreshToken)}.${'A'.repeat(43)}`;
    await expectError(refresh(forged), 'UNAUTHORIZED', 'INVALID_TOKEN');
    expect((await withBearer(api, accessToken).auth.me()).email).toBeTruthy();
  });

  it.each([
    ['no dot', 'nodothere'],
    ['a bad id', `not-a-uuid.${'A'.repeat(43)}`],
    ['a short secret', '00000000-0000-4000-8000-000000000000.abc'],
    ['bad base64', `00000000-0000-4000-8000-000000000000.${'*'.repeat(43)}`],
    ['an unknown session', `00000000-0000-4000-8000-000000000000.${'A'.repeat(43)}`],
  ])('refuses a malformed refresh token (%s) with UNAUTHORIZED, not a 500', async (_why, token) => {
    await expectError(refresh(token), 'UNAUTHORIZED', 'INVALID_TOKEN');
  });

  it('refuses an access token or API key as a refresh token, and a refresh token as a Bearer token', async () => {
    const { accessToken, refreshToken } = await signUp(api);
    await expectError(refresh(accessToken), 'UNAUTHORIZED', 'INVALID_TOKEN');
    await expectError(refresh(`sbk_0123456789abcdef_${'A'.repeat(43)}`), 'UNAUTHORIZED', 'INVALID_TOKEN');
    await expectError(withBearer(api, refreshToken).auth.me(), 'UNAUTHORIZED', 'INVALID_TOKEN');
  });

  it('without any refresh token, refresh is UNAUTHORIZED', async () => {
    await expectError(api.anonymous().auth.refresh(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });

  it('a cookie refresh answers with cookies even when the body was asked for, and clears them when dead', async () => {
    const { refreshToken } = await signUp(api);
    const ok = captureResponse();
    const result = await api
      .anonymous({ res: ok.res, credentials: { refreshCookie: refreshToken } })
      .auth.refresh({ tokenDelivery: 'body' });
    expect(result).not.toHaveProperty('refreshToken');
    const issued = ok.cookies.map(parseSetCookie);
    expect(issued.map((c) => c.name).sort()).toEqual(['sb_at', 'sb_rt']);
    expect(issued.find((c) => c.name === 'sb_rt')!.value).not.toBe(refreshToken);

    const dead = captureResponse();
    await expectError(
      api.anonymous({ res: dead.res, credentials: { refreshCookie: refreshToken } }).auth.refresh(),
      'UNAUTHORIZED',
      'SESSION_REVOKED',
    );
    const cleared = dead.cookies.map(parseSetCookie);
    expect(cleared.map((c) => [c.name, c.value, c.attributes['max-age']])).toEqual([
      ['sb_at', '', '0'],
      ['sb_rt', '', '0'],
    ]);
  });
});

describe('session lifetimes', () => {
  it('a session unused for longer than the idle lifetime is refused', async () => {
    const { refreshToken } = await signUp(api);
    api.clock.advance(api.services.config.sessionIdleTtlSec * 1000 + MINUTE);
    try {
      await expectError(refresh(refreshToken), 'UNAUTHORIZED', 'SESSION_EXPIRED');
      const row = await sessionRow(sessionIdOf(refreshToken));
      expect(row.revokedReason).toBe('expired');
      expect(await auditActions(row.id)).toContain('session_expired');
    } finally {
      api.clock.set(new Date('2026-03-02T12:00:00Z'));
    }
  });

  it('ends at its absolute lifetime even when used every day', async () => {
    const start = api.clock.now();
    let { refreshToken } = await signUp(api);
    try {
      const absoluteDays = api.services.config.sessionAbsoluteTtlSec / 86_400;
      for (let day = 10; day < absoluteDays; day += 10) {
        api.clock.set(new Date(start.getTime() + day * DAY));
        refreshToken = (await refresh(refreshToken)).refreshToken!;
      }
      api.clock.set(new Date(start.getTime() + absoluteDays * DAY + MINUTE));
      await expectError(refresh(refreshToken), 'UNAUTHORIZED', 'SESSION_EXPIRED');
    } finally {
      api.clock.set(start);
    }
  });

  it('refuses an access token whose session went idle, from the database timestamps', async () => {
    const start = api.clock.now();
    const { accessToken, refreshToken } = await signUp(api);
    try {
      // Idle lifetime set below the access-token lifetime, so the token itself is still valid.
      api.services.config.sessionIdleTtlSec = 600;
      api.clock.advance(11 * MINUTE);
      await expectError(withBearer(api, accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_EXPIRED');
      await expectError(refresh(refreshToken), 'UNAUTHORIZED', 'SESSION_EXPIRED');
    } finally {
      api.services.config.sessionIdleTtlSec = 14 * 86_400;
      api.clock.set(start);
    }
  });

  it('writes last_used_at at most once an hour', async () => {
    const start = api.clock.now();
    const config = api.services.config;
    // Long-lived access tokens make the hourly write visible on the access path alone.
    config.accessTokenTtlSec = 3 * 3600;
    try {
      const { accessToken, refreshToken } = await signUp(api);
      const id = sessionIdOf(refreshToken);
      api.clock.advance(10 * MINUTE);
      await withBearer(api, accessToken).auth.me();
      expect((await sessionRow(id)).lastUsedAt).toEqual(start);
      api.clock.advance(51 * MINUTE);
      await withBearer(api, accessToken).auth.me();
      const touched = api.clock.now();
      expect((await sessionRow(id)).lastUsedAt).toEqual(touched);
      api.clock.advance(30 * MINUTE);
      await withBearer(api, accessToken).auth.me();
      expect((await sessionRow(id)).lastUsedAt).toEqual(touched);
      // A refresh always counts as use.
      await refresh(refreshToken);
      expect((await sessionRow(id)).lastUsedAt).toEqual(api.clock.now());
    } finally {
      config.accessTokenTtlSec = 15 * 60;
      api.clock.set(start);
    }
  });

  it('a new login beyond the per-user cap revokes the oldest session', async () => {
    const config = api.services.config;
    config.maxSessionsPerUser = 3;
    try {
      const first = await signUp(api);
      const logins = [];
      for (let i = 0; i < 3; i++) {
        api.clock.advance(1000);
        logins.push(
          signedIn(
            await api
              .anonymous()
              .auth.login({ identifier: first.user.email, password: PASSWORD, tokenDelivery: 'body' }),
          ),
        );
      }
      await expectError(withBearer(api, first.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
      expect((await sessionRow(sessionIdOf(first.refreshToken))).revokedReason).toBe('session_limit');
      for (const l of logins) await withBearer(api, l.accessToken!).auth.me();
    } finally {
      config.maxSessionsPerUser = 50;
      api.clock.set(new Date('2026-03-02T12:00:00Z'));
    }
  });
});

describe('revocation and devices', () => {
  it('after logout the old access token is refused on the next request', async () => {
    const { accessToken, refreshToken, user } = await signUp(api);
    const { res, cookies } = captureResponse();
    await withBearer(api, accessToken, { res }).auth.logout();
    await expectError(withBearer(api, accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(refresh(refreshToken), 'UNAUTHORIZED', 'SESSION_REVOKED');
    expect(cookies.map(parseSetCookie).map((c) => c.attributes['max-age'])).toEqual(['0', '0']);
    expect(await auditActions(sessionIdOf(refreshToken))).toContain('session_logout');
    const events = await api.services.events.replay(0, user.id, ['session.revoked']);
    expect(events.at(-1)?.payload).toEqual({ sessionIds: [sessionIdOf(refreshToken)] });
  });

  it('lists signed-in devices without secrets, marking the current one', async () => {
    const a = await signUp(api, {}, { req: { ip: '203.0.113.77', userAgent: 'Firefox/130' } });
    api.clock.advance(1000);
    const b = signedIn(
      await api
        .anonymous({ req: { ip: '2001:db8:1:2:3::4', userAgent: 'curl/8' } })
        .auth.login({ identifier: a.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    const list = await withBearer(api, b.accessToken!).auth.sessions.list();
    expect(list).toHaveLength(2);
    expect(list.map((s) => s.current)).toEqual([true, false]);
    expect(list[1]).toMatchObject({ ip: '203.0.113.0/24', userAgent: 'Firefox/130' });
    expect(list[0]).toMatchObject({ ip: '2001:db8:1::/48', userAgent: 'curl/8' });
    expect(Object.keys(list[0]!).sort()).toEqual(
      ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'].sort(),
    );
    expect(JSON.stringify(list)).not.toContain(a.refreshToken.split('.')[1]);
  });

  it('revokes one of my other sessions; its token is refused next', async () => {
    const a = await signUp(api);
    const b = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: a.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    const result = await withBearer(api, b.accessToken!).auth.sessions.revoke({
      id: sessionIdOf(a.refreshToken),
    });
    expect(result).toEqual({ revoked: 1, current: false });
    await expectError(withBearer(api, a.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await withBearer(api, b.accessToken!).auth.me();
  });

  it('a session in steady use is refused on the very next call after it is revoked elsewhere', async () => {
    const a = await signUp(api);
    const b = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: a.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    // The session check is a prepared statement: past PostgreSQL's five custom plans it may run a
    // cached generic plan, which must read the row as it is now all the same.
    for (let i = 0; i < 8; i++) await withBearer(api, a.accessToken).auth.me();
    await withBearer(api, b.accessToken!).auth.sessions.revoke({ id: sessionIdOf(a.refreshToken) });
    await expectError(withBearer(api, a.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await withBearer(api, b.accessToken!).auth.me();
  });

  it("someone else's session id is NOT_FOUND and that session is unchanged", async () => {
    const mine = await signUp(api);
    const theirs = await signUp(api);
    const theirId = sessionIdOf(theirs.refreshToken);
    await expectError(
      withBearer(api, mine.accessToken).auth.sessions.revoke({ id: theirId }),
      'NOT_FOUND',
      'NOT_FOUND',
    );
    expect((await sessionRow(theirId)).revokedAt).toBeNull();
    await withBearer(api, theirs.accessToken).auth.me();
    await expectError(
      withBearer(api, mine.accessToken).auth.sessions.revoke({ id: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });

  it('revokeOthers signs out every other device and keeps this one', async () => {
    const a = await signUp(api);
    const others = [];
    for (let i = 0; i < 2; i++) {
      others.push(
        signedIn(
          await api
            .anonymous()
            .auth.login({ identifier: a.user.email, password: PASSWORD, tokenDelivery: 'body' }),
        ),
      );
    }
    const result = await withBearer(api, a.accessToken).auth.sessions.revokeOthers();
    expect(result).toEqual({ revoked: 2 });
    for (const o of others) {
      await expectError(withBearer(api, o.accessToken!).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    }
    await withBearer(api, a.accessToken).auth.me();
    expect(await withBearer(api, a.accessToken).auth.sessions.list()).toHaveLength(1);
  });

  it('revoking the current session through sessions.revoke clears the cookies', async () => {
    const a = await signUp(api);
    const { res, cookies } = captureResponse();
    const result = await withBearer(api, a.accessToken, { res }).auth.sessions.revoke({
      id: sessionIdOf(a.refreshToken),
    });
    expect(result.current).toBe(true);
    expect(cookies).toHaveLength(2);
  });

  it('signed out, the session procedures are UNAUTHORIZED', async () => {
    await expectError(api.anonymous().auth.sessions.list(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectError(api.anonymous().auth.sessions.revokeOthers(), 'UNAUTHORIZED');
    await expectError(api.anonymous().auth.logout(), 'UNAUTHORIZED');
  });

  it('isSessionActive answers for live, revoked and unknown sessions', async () => {
    const a = await signUp(api);
    const id = sessionIdOf(a.refreshToken);
    const db = api.database.db;
    expect(await isSessionActive({ db, now: api.clock.now() }, id)).toBe(true);
    expect(await isSessionActive({ db, now: api.clock.now() }, '00000000-0000-4000-8000-000000000000')).toBe(
      false,
    );
    await db
      .update(schema.sessions)
      .set({ revokedAt: api.clock.now() })
      .where(and(eq(schema.sessions.id, id)));
    expect(await isSessionActive({ db, now: api.clock.now() }, id)).toBe(false);
  });
});
