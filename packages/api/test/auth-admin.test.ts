import { schema } from '@skillbytes/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/auth/tokens.ts';
import { expectError, GENEROUS_LIMITS, signedIn, signUp, uniqueName, withBearer } from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
});
afterAll(() => api?.close());

const MINUTE = 60_000;

async function signUpAdmin(input: Parameters<typeof signUp>[1] = {}) {
  const account = await signUp(api, input);
  await api.database.db
    .update(schema.users)
    .set({ role: 'admin' })
    .where(eq(schema.users.id, account.user.id));
  return account;
}

const auditRows = (action: string, target?: string) =>
  api.database.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.action, action), target ? eq(schema.auditLog.target, target) : undefined));

describe('admin.users', () => {
  it('lists accounts newest first, filters by query and pages with a cursor', async () => {
    const admin = await signUpAdmin();
    const tag = uniqueName('zq');
    for (let i = 0; i < 3; i++) {
      api.clock.advance(1000);
      await signUp(api, { username: `${tag}_${i}` });
    }
    const client = withBearer(api, admin.accessToken);
    const first = await client.admin.users.list({ query: tag, limit: 2 });
    expect(first.items.map((u) => u.username)).toEqual([`${tag}_2`, `${tag}_1`]);
    expect(first.nextCursor).toBeTruthy();
    const second = await client.admin.users.list({ query: tag, limit: 2, cursor: first.nextCursor });
    expect(second.items.map((u) => u.username)).toEqual([`${tag}_0`]);
    expect(second.nextCursor).toBeNull();
    expect(JSON.stringify(first)).not.toContain('argon2');
    const byId = await client.admin.users.list({ query: admin.user.id });
    expect(byId.items.map((u) => u.id)).toContain(admin.user.id);
    // LIKE wildcards in the query are literal.
    expect((await client.admin.users.list({ query: '%_%' })).items).toEqual([]);
    await expectError(
      client.admin.users.list({ cursor: 'not-a-cursor' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('gets one account by id or username, with its active sessions and keys', async () => {
    const admin = await signUpAdmin();
    const target = await signUp(api);
    const client = withBearer(api, admin.accessToken);
    const byId = await client.admin.users.get({ id: target.user.id });
    expect(byId).toMatchObject({ id: target.user.id, role: 'user', activeSessions: 1, activeApiKeys: 0 });
    expect(byId).not.toHaveProperty('passwordHash');
    const byName = await client.admin.users.get({ username: target.user.username!.toUpperCase() });
    expect(byName.id).toBe(target.user.id);
    await expectError(
      client.admin.users.get({ id: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
      'USER_NOT_FOUND',
    );
  });

  it('setRole promotes, signs the user out everywhere and audits the change', async () => {
    const admin = await signUpAdmin();
    const target = await signUp(api);
    const result = await withBearer(api, admin.accessToken).admin.users.setRole({
      id: target.user.id,
      role: 'admin',
    });
    expect(result).toMatchObject({ role: 'admin', changed: true });
    await expectError(withBearer(api, target.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    const [change] = await auditRows('authz_change', target.user.id);
    expect(change).toMatchObject({ actorUserId: admin.user.id, metadata: { from: 'user', to: 'admin' } });
    // One audit row per admin action, written in its transaction: no second, generic one.
    expect(await auditRows('authz_admin')).toEqual([]);
    // Setting the same role again changes nothing and signs nobody out.
    const relogin = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: target.user.email, password: target.password, tokenDelivery: 'body' }),
    );
    const same = await withBearer(api, admin.accessToken).admin.users.setRole({
      id: target.user.id,
      role: 'admin',
    });
    expect(same.changed).toBe(false);
    await withBearer(api, relogin.accessToken!).auth.me();
  });

  it('a demoted admin loses admin rights on the very next request', async () => {
    const admin = await signUpAdmin();
    const demoted = await signUpAdmin();
    await withBearer(api, demoted.accessToken).admin.users.list({});
    // Demote directly in the database: the token still says "admin", the row decides.
    await api.database.db
      .update(schema.users)
      .set({ role: 'user' })
      .where(eq(schema.users.id, demoted.user.id));
    await expectError(withBearer(api, demoted.accessToken).admin.users.list({}), 'FORBIDDEN', 'FORBIDDEN');
    expect(admin.user.id).toBeTruthy();
  });

  it('refuses to demote the last admin', async () => {
    const solo = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
    try {
      const admin = await signUp(solo);
      await solo.database.db
        .update(schema.users)
        .set({ role: 'admin' })
        .where(eq(schema.users.id, admin.user.id));
      await expectError(
        withBearer(solo, admin.accessToken).admin.users.setRole({ id: admin.user.id, role: 'user' }),
        'CONFLICT',
        'LAST_ADMIN',
      );
      await withBearer(solo, admin.accessToken).admin.users.list({});
    } finally {
      await solo.close();
    }
  });

  it('two admins demoting each other at once leave exactly one admin', async () => {
    const solo = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
    try {
      // Several rounds: each is a real race between two transactions on separate connections.
      for (let round = 0; round < 10; round++) {
        await solo.database.db.update(schema.users).set({ role: 'user' });
        const a = await solo.createUser({ role: 'admin' });
        const b = await solo.createUser({ role: 'admin' });
        const results = await Promise.allSettled([
          solo.as(a).admin.users.setRole({ id: b.id, role: 'user' }),
          solo.as(b).admin.users.setRole({ id: a.id, role: 'user' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        await expectError(Promise.reject(failed.reason), 'CONFLICT', 'LAST_ADMIN');
        const admins = await solo.database.db
          .select({ id: schema.users.id })
          .from(schema.users)
          .where(eq(schema.users.role, 'admin'));
        expect(admins).toHaveLength(1);
      }
    } finally {
      await solo.close();
    }
  });

  it('revokeSessions signs a user out of every device', async () => {
    const admin = await signUpAdmin();
    const target = await signUp(api);
    const second = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: target.user.email, password: target.password, tokenDelivery: 'body' }),
    );
    const result = await withBearer(api, admin.accessToken).admin.users.revokeSessions({
      id: target.user.id,
    });
    expect(result).toEqual({ revoked: 2 });
    await expectError(withBearer(api, target.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(withBearer(api, second.accessToken!).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(
      withBearer(api, admin.accessToken).admin.users.revokeSessions({
        id: '00000000-0000-4000-8000-000000000000',
      }),
      'NOT_FOUND',
      'USER_NOT_FOUND',
    );
  });

  it('plain users are FORBIDDEN and anonymous callers UNAUTHORIZED, and nothing changes', async () => {
    const user = await signUp(api);
    const victim = await signUp(api);
    const client = withBearer(api, user.accessToken);
    await expectError(client.admin.users.list({}), 'FORBIDDEN');
    await expectError(client.admin.users.get({ id: victim.user.id }), 'FORBIDDEN');
    await expectError(client.admin.users.setRole({ id: user.user.id, role: 'admin' }), 'FORBIDDEN');
    await expectError(client.admin.users.revokeSessions({ id: victim.user.id }), 'FORBIDDEN');
    await expectError(api.anonymous().admin.users.list({}), 'UNAUTHORIZED');
    const [row] = await api.database.db.select().from(schema.users).where(eq(schema.users.id, user.user.id));
    expect(row!.role).toBe('user');
    await withBearer(api, victim.accessToken).auth.me();
  });
});

describe('admin.apiKeys lifecycle', () => {
  it('creates a key shown once, stores only its hash, and accepts it as Bearer for admin procedures', async () => {
    const admin = await signUpAdmin();
    const created = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'ci bot' });
    expect(created.key).toMatch(/^sbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'ci bot', scopes: ['admin'], revokedAt: null, lastUsedAt: null });
    expect(created.key.startsWith(created.start)).toBe(true);
    const secret = created.key.slice(`sbk_${created.id}_`.length);
    expect(created.start).not.toContain(secret.slice(0, 4));

    const [row] = await api.database.db
      .select()
      .from(schema.apiKeys)
      .where(eq(schema.apiKeys.id, created.id));
    const stored = Object.values(row!).map(String).join(' ');
    expect(stored).not.toContain(secret);
    expect(row!.secretHash).toBe(sha256(secret));

    const bot = withBearer(api, created.key);
    expect((await bot.admin.users.list({})).items.length).toBeGreaterThan(0);
    const listed = await withBearer(api, admin.accessToken).admin.apiKeys.list();
    const mine = listed.find((k) => k.id === created.id)!;
    expect(mine).not.toHaveProperty('key');
    expect(mine).not.toHaveProperty('secretHash');
    expect(mine.owner).toEqual({ id: admin.user.id, email: admin.user.email, username: admin.user.username });
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(await auditRows('authn_token_created', created.id)).toHaveLength(1);
  });

  it('tracks last use at most once a minute', async () => {
    const admin = await signUpAdmin();
    const { key, id } = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'metrics' });
    const lastUsed = async () =>
      (await api.database.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, id)))[0]!.lastUsedAt;
    const start = api.clock.now();
    await withBearer(api, key).admin.apiKeys.list();
    expect(await lastUsed()).toEqual(start);
    api.clock.advance(30_000);
    await withBearer(api, key).admin.apiKeys.list();
    expect(await lastUsed()).toEqual(start);
    api.clock.advance(MINUTE);
    await withBearer(api, key).admin.apiKeys.list();
    expect(await lastUsed()).toEqual(api.clock.now());
  });

  it('a revoked key is refused on the next request', async () => {
    const admin = await signUpAdmin();
    const { key, id } = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'temp' });
    await withBearer(api, key).admin.users.list({});
    const revoked = await withBearer(api, admin.accessToken).admin.apiKeys.revoke({ id });
    expect(revoked.revokedAt).toEqual(api.clock.now());
    await expectError(withBearer(api, key).admin.users.list({}), 'UNAUTHORIZED', 'INVALID_TOKEN');
    // Revoking again changes nothing; an unknown id is NOT_FOUND.
    expect((await withBearer(api, admin.accessToken).admin.apiKeys.revoke({ id })).revokedAt).toEqual(
      revoked.revokedAt,
    );
    await expectError(
      withBearer(api, admin.accessToken).admin.apiKeys.revoke({ id: '0123456789abcdef' }),
      'NOT_FOUND',
    );
    expect(await auditRows('authn_token_revoked', id)).toHaveLength(1);
  });

  it('an expired key is refused', async () => {
    const admin = await signUpAdmin();
    const { key } = await withBearer(api, admin.accessToken).admin.apiKeys.create({
      name: 'short',
      expiresInDays: 1,
    });
    const start = api.clock.now();
    try {
      await withBearer(api, key).admin.users.list({});
      api.clock.advance(86_400_000 + 1000);
      await expectError(withBearer(api, key).admin.users.list({}), 'UNAUTHORIZED', 'INVALID_TOKEN');
    } finally {
      api.clock.set(start);
    }
  });

  it("a key acts with its owner's current role: a demoted owner's key loses admin rights", async () => {
    const owner = await signUpAdmin();
    await signUpAdmin();
    const { key } = await withBearer(api, owner.accessToken).admin.apiKeys.create({ name: 'owner-bound' });
    await api.database.db
      .update(schema.users)
      .set({ role: 'user' })
      .where(eq(schema.users.id, owner.user.id));
    await expectError(withBearer(api, key).admin.users.list({}), 'FORBIDDEN');
  });

  it('refuses malformed keys, wrong secrets, and keys minting keys', async () => {
    const admin = await signUpAdmin();
    const { key, id } = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'x' });
    for (const bad of [
      'sbk_',
      'sbk_short_secret',
      `sbk_${id}_${'A'.repeat(43)}`,
      `${key}x`,
      `sbk_${'Z'.repeat(16)}_x`,
    ]) {
      await expectError(withBearer(api, bad).admin.users.list({}), 'UNAUTHORIZED', 'INVALID_TOKEN');
    }
    await expectError(withBearer(api, key).admin.apiKeys.create({ name: 'child' }), 'FORBIDDEN');
  });

  it('plain users cannot create, list or revoke keys', async () => {
    const user = await signUp(api);
    const client = withBearer(api, user.accessToken);
    await expectError(client.admin.apiKeys.create({ name: 'mine' }), 'FORBIDDEN');
    await expectError(client.admin.apiKeys.list(), 'FORBIDDEN');
    await expectError(client.admin.apiKeys.revoke({ id: '0123456789abcdef' }), 'FORBIDDEN');
    await expectError(api.anonymous().admin.apiKeys.list(), 'UNAUTHORIZED');
  });
});
