import { schema } from '@skillbytes/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, GENEROUS_LIMITS, signedIn, signUp, withBearer } from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

/**
 * Session checks share reads between concurrent requests (src/auth/session-reads.ts) and must stay
 * exactly as strict as one read per request: whatever ends a session or changes an account, through
 * the API or behind its back, the very next request sees it, and no request is answered with another
 * one's session.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
});
afterAll(() => api?.close());

const sessionIdOf = (refreshToken: string) => refreshToken.split('.')[0]!;

describe('session checks', () => {
  it('a logout is refused on the next request', async () => {
    const user = await signUp(api);
    const me = withBearer(api, user.accessToken);
    await me.auth.me();
    await me.auth.logout();
    await expectError(withBearer(api, user.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
  });

  it('a revocation written behind the API (plain SQL) is refused on the next request', async () => {
    const user = await signUp(api);
    await withBearer(api, user.accessToken).auth.me();
    await api.database.db
      .update(schema.sessions)
      .set({ revokedAt: api.clock.now() })
      .where(eq(schema.sessions.id, sessionIdOf(user.refreshToken)));
    await expectError(withBearer(api, user.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
  });

  it('an expiry moved into the past, a deleted session and a deleted account are each refused at once', async () => {
    const a = await signUp(api);
    await withBearer(api, a.accessToken).auth.me();
    await api.database.db
      .update(schema.sessions)
      .set({ expiresAt: new Date(api.clock.now().getTime() - 1000) })
      .where(eq(schema.sessions.id, sessionIdOf(a.refreshToken)));
    await expectError(withBearer(api, a.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_EXPIRED');

    const b = await signUp(api);
    await withBearer(api, b.accessToken).auth.me();
    await api.database.db.delete(schema.sessions).where(eq(schema.sessions.id, sessionIdOf(b.refreshToken)));
    await expectError(withBearer(api, b.accessToken).auth.me(), 'UNAUTHORIZED', 'INVALID_TOKEN');

    const c = await signUp(api);
    await withBearer(api, c.accessToken).auth.me();
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, c.user.id));
    await expectError(withBearer(api, c.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
  });

  it('a demoted admin loses admin rights on the next request, on every session of theirs', async () => {
    const admin = await signUp(api);
    await api.database.db
      .update(schema.users)
      .set({ role: 'admin' })
      .where(eq(schema.users.id, admin.user.id));
    const second = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: admin.user.email, password: admin.password, tokenDelivery: 'body' }),
    );
    for (const token of [admin.accessToken, second.accessToken!]) {
      await expect(withBearer(api, token).admin.users.list({})).resolves.toBeTruthy();
    }
    await api.database.db
      .update(schema.users)
      .set({ role: 'user' })
      .where(eq(schema.users.id, admin.user.id));
    for (const token of [admin.accessToken, second.accessToken!]) {
      await expectError(withBearer(api, token).admin.users.list({}), 'FORBIDDEN');
    }
  });

  it('concurrent requests while sessions are revoked: none answered after its revocation committed', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => signUp(api)));
    await Promise.all(users.map((u) => withBearer(api, u.accessToken).auth.me()));
    const results = await Promise.all(
      users.map(async (u) => {
        const ids = sessionIdOf(u.refreshToken);
        const before = withBearer(api, u.accessToken)
          .auth.me()
          .then(
            () => 'ok',
            () => 'refused',
          );
        await api.database.db.execute(sql`update sessions set revoked_at = now() where id = ${ids}`);
        const after = await withBearer(api, u.accessToken)
          .auth.me()
          .then(
            () => 'ok',
            () => 'refused',
          );
        return { before: await before, after };
      }),
    );
    for (const r of results) expect(r.after).toBe('refused');
  });

  it('a burst of requests of many users, some signed out: each answered for its own session', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => signUp(api)));
    const ended = new Set(users.filter((_, i) => i % 3 === 0).map((u) => u.user.id));
    for (const u of users) {
      if (ended.has(u.user.id)) await withBearer(api, u.accessToken).auth.logout();
    }
    const burst = users.flatMap((u) => Array.from({ length: 5 }, () => u));
    const answers = await Promise.all(
      burst.map((u) =>
        withBearer(api, u.accessToken)
          .auth.me()
          .then(
            (me) => ({ u, id: me.id }),
            (error: unknown) => ({ u, error }),
          ),
      ),
    );
    for (const a of answers) {
      if (ended.has(a.u.user.id)) expect('error' in a).toBe(true);
      else expect('id' in a && a.id).toBe(a.u.user.id);
    }
  });
});
