import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureResponse,
  expectError,
  GENEROUS_LIMITS,
  OTHER_PASSWORD,
  parseSetCookie,
  PASSWORD,
  signedIn,
  signUp,
  uniqueName,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
});
afterAll(() => api?.close());

const DAY = 86_400_000;
const START = new Date('2026-03-02T12:00:00Z');

const userRow = async (id: string) => {
  const [row] = await api.database.db.select().from(schema.users).where(eq(schema.users.id, id));
  return row!;
};

const auditOf = async (target: string) =>
  api.database.db
    .select({
      action: schema.auditLog.action,
      outcome: schema.auditLog.outcome,
      metadata: schema.auditLog.metadata,
    })
    .from(schema.auditLog)
    .where(eq(schema.auditLog.target, target));

async function signUpAdmin() {
  const account = await signUp(api);
  await api.database.db
    .update(schema.users)
    .set({ role: 'admin' })
    .where(eq(schema.users.id, account.user.id));
  return account;
}

describe('auth.me', () => {
  it('returns the profile of DESIGN §4 and nothing secret', async () => {
    const { accessToken, user } = await signUp(api, { name: 'Lin' });
    const me = await withBearer(api, accessToken).auth.me();
    expect(Object.keys(me).sort()).toEqual(
      [
        'bestStreak',
        'createdAt',
        'currentStreak',
        'email',
        'expiresAt',
        'id',
        'language',
        'mfaEnabled',
        'name',
        'pendingTimezone',
        'pendingTimezoneAt',
        'points',
        'preferences',
        'role',
        'shareSolutions',
        'timezone',
        'username',
      ].sort(),
    );
    expect(me).toMatchObject({
      id: user.id,
      name: 'Lin',
      language: 'javascript',
      preferences: [],
      mfaEnabled: false,
    });
  });

  it('is UNAUTHORIZED signed out and with a garbage token', async () => {
    await expectError(api.anonymous().auth.me(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectError(withBearer(api, 'garbage').auth.me(), 'UNAUTHORIZED', 'INVALID_TOKEN');
  });
});

describe('auth.updateProfile', () => {
  it('sets name, username, preferences, language and time zone in one call', async () => {
    const { accessToken, user } = await signUp(api);
    const username = uniqueName('New_');
    const updated = await withBearer(api, accessToken).auth.updateProfile({
      name: '  Grace Hopper ',
      username,
      preferences: ['Arrays', 'strings'],
      language: 'javascript',
      timezone: 'Europe/Paris',
    });
    expect(updated).toMatchObject({
      name: 'Grace Hopper',
      username,
      preferences: ['arrays', 'strings'],
      timezone: 'Europe/Paris',
    });
    const rows = await auditOf(user.id);
    expect(rows.find((r) => r.action === 'user_updated')?.metadata).toEqual({
      fields: ['name', 'username', 'preferences', 'language', 'timezone'],
    });
  });

  it('refuses an unknown IANA time zone', async () => {
    const { accessToken } = await signUp(api);
    await expectError(
      withBearer(api, accessToken).auth.updateProfile({ timezone: 'Mars/Olympus_Mons' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it.each([
    ['role', { role: 'admin' }],
    ['points', { points: 1e9 }],
    ['email', { email: 'other@example.com' }],
    ['streaks', { currentStreak: 100 }],
  ])('cannot set %s', async (_field, patch) => {
    const { accessToken, user } = await signUp(api);
    await expectError(
      withBearer(api, accessToken).auth.updateProfile(patch as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    expect(await userRow(user.id)).toMatchObject({ role: 'user', points: 0, email: user.email });
  });

  it("refuses someone else's username in any case", async () => {
    const taken = await signUp(api);
    const { accessToken } = await signUp(api);
    await expectError(
      withBearer(api, accessToken).auth.updateProfile({ username: taken.user.username!.toUpperCase() }),
      'CONFLICT',
      'USERNAME_TAKEN',
    );
  });

  it('is UNAUTHORIZED signed out', async () => {
    await expectError(api.anonymous().auth.updateProfile({ name: 'x' }), 'UNAUTHORIZED');
  });
});

describe('auth.changePassword', () => {
  it('a wrong current password changes nothing and answers INVALID_CREDENTIALS', async () => {
    const { accessToken, user } = await signUp(api);
    const before = (await userRow(user.id)).passwordHash;
    await expectError(
      withBearer(api, accessToken).auth.changePassword({
        currentPassword: OTHER_PASSWORD,
        newPassword: PASSWORD,
      }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    expect((await userRow(user.id)).passwordHash).toBe(before);
    await withBearer(api, accessToken).auth.me();
    expect((await auditOf(user.id)).map((r) => [r.action, r.outcome])).toContainEqual([
      'authn_password_change_fail',
      'failure',
    ]);
  });

  it('refuses a weak new password', async () => {
    const { accessToken } = await signUp(api);
    await expectError(
      withBearer(api, accessToken).auth.changePassword({
        currentPassword: PASSWORD,
        newPassword: 'password1',
      }),
      'BAD_REQUEST',
      'WEAK_PASSWORD',
    );
  });

  it('revokes every other session and replaces the current one with a new session', async () => {
    const mine = await signUp(api);
    const other = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: mine.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    const result = await withBearer(api, mine.accessToken).auth.changePassword({
      currentPassword: PASSWORD,
      newPassword: OTHER_PASSWORD,
      tokenDelivery: 'body',
    });
    expect(result.accessToken).toBeTruthy();
    expect(result.refreshToken!.split('.')[0]).not.toBe(mine.refreshToken.split('.')[0]);
    await expectError(withBearer(api, other.accessToken!).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(withBearer(api, mine.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await withBearer(api, result.accessToken!).auth.me();
    await expectError(
      api.anonymous().auth.login({ identifier: mine.user.email, password: PASSWORD }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    signedIn(await api.anonymous().auth.login({ identifier: mine.user.email, password: OTHER_PASSWORD }));
    const events = await api.services.events.replay(0, mine.user.id, ['session.revoked']);
    const revokedIds = events.flatMap((e) => (e.payload as { sessionIds: string[] }).sessionIds);
    expect(revokedIds).toEqual(
      expect.arrayContaining([mine.refreshToken.split('.')[0], other.refreshToken!.split('.')[0]]),
    );
    expect((await auditOf(mine.user.id)).map((r) => r.action)).toContain('authn_password_change');
  });

  it('a cookie session gets its new tokens as cookies, never in the body', async () => {
    const mine = await signUp(api);
    const { res, cookies } = captureResponse();
    const result = await api
      .anonymous({ res, credentials: { accessCookie: mine.accessToken } })
      .auth.changePassword({ currentPassword: PASSWORD, newPassword: OTHER_PASSWORD, tokenDelivery: 'body' });
    expect(result).not.toHaveProperty('refreshToken');
    expect(
      cookies
        .map(parseSetCookie)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['sb_at', 'sb_rt']);
  });
});

describe('auth.deleteAccount', () => {
  it('needs the password: a wrong one deletes nothing', async () => {
    const { accessToken, user } = await signUp(api);
    await expectError(
      withBearer(api, accessToken).auth.deleteAccount({ password: OTHER_PASSWORD }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    expect((await userRow(user.id)).deletedAt).toBeNull();
    await withBearer(api, accessToken).auth.me();
  });

  it('hides the account, revokes every session and API key at once, and a login within the grace period restores it', async () => {
    const admin = await signUpAdmin();
    await signUpAdmin(); // not the last admin
    const other = signedIn(
      await api
        .anonymous()
        .auth.login({ identifier: admin.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    const key = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'ci' });
    await api.database.db.update(schema.users).set({ points: 40 }).where(eq(schema.users.id, admin.user.id));

    const { res, cookies } = captureResponse();
    const result = await withBearer(api, admin.accessToken, { res }).auth.deleteAccount({
      password: PASSWORD,
    });
    expect(result).toEqual({ ok: true, restorableForDays: 30 });
    expect(cookies.map(parseSetCookie).map((c) => c.attributes['max-age'])).toEqual(['0', '0']);
    expect((await userRow(admin.user.id)).deletedAt).toEqual(api.clock.now());
    await expectError(withBearer(api, admin.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(withBearer(api, other.accessToken!).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(withBearer(api, key.key).admin.users.list({}), 'UNAUTHORIZED', 'INVALID_TOKEN');
    const events = await api.services.events.replay(0, admin.user.id, ['session.revoked']);
    expect(events.at(-1)?.payload).toMatchObject({ all: true });
    expect((await auditOf(admin.user.id)).map((r) => r.action)).toContain('user_deleted');

    // Gone from the leaderboard.
    const viewer = await signUp(api);
    const board = await withBearer(api, viewer.accessToken).leaderboard.top({ window: 'all' });
    expect(board.items.map((e: { userId: string }) => e.userId)).not.toContain(admin.user.id);

    api.clock.advance(29 * DAY);
    try {
      const back = signedIn(
        await api
          .anonymous()
          .auth.login({ identifier: admin.user.email, password: PASSWORD, tokenDelivery: 'body' }),
      );
      expect((await userRow(admin.user.id)).deletedAt).toBeNull();
      expect((await auditOf(admin.user.id)).map((r) => r.action)).toContain('user_restored');
      await withBearer(api, back.accessToken!).auth.me();
      // Sessions and keys revoked at deletion stay revoked.
      await expectError(
        api.anonymous().auth.refresh({ refreshToken: other.refreshToken!, tokenDelivery: 'body' }),
        'UNAUTHORIZED',
        'SESSION_REVOKED',
      );
      await expectError(withBearer(api, key.key).admin.users.list({}), 'UNAUTHORIZED', 'INVALID_TOKEN');
    } finally {
      api.clock.set(START);
    }
  });

  it('after the grace period the account answers like an unknown user, and its email can sign up again', async () => {
    const gone = await signUp(api);
    await withBearer(api, gone.accessToken).auth.deleteAccount({ password: PASSWORD });
    api.clock.advance(31 * DAY);
    try {
      const deleted = await expectError(
        api.anonymous().auth.login({ identifier: gone.user.email, password: PASSWORD }),
        'UNAUTHORIZED',
        'INVALID_CREDENTIALS',
      );
      const unknown = await expectError(
        api.anonymous().auth.login({ identifier: `nobody-${uniqueName()}@example.com`, password: PASSWORD }),
        'UNAUTHORIZED',
        'INVALID_CREDENTIALS',
      );
      expect(deleted.message).toBe(unknown.message);
      expect((await userRow(gone.user.id)).deletedAt).not.toBeNull();
      const again = await signUp(api, { email: gone.user.email, username: gone.user.username! });
      expect(again.user.id).not.toBe(gone.user.id);
    } finally {
      api.clock.set(START);
    }
  });

  it('a username held by an account gone past its grace period can be taken by someone else', async () => {
    const gone = await signUp(api);
    const taker = await signUp(api);
    await withBearer(api, gone.accessToken).auth.deleteAccount({ password: PASSWORD });
    await expectError(
      withBearer(api, taker.accessToken).auth.updateProfile({ username: gone.user.username! }),
      'CONFLICT',
      'USERNAME_TAKEN',
    );
    api.clock.advance(31 * DAY);
    try {
      const again = signedIn(
        await api
          .anonymous()
          .auth.login({ identifier: taker.user.email, password: PASSWORD, tokenDelivery: 'body' }),
      );
      const renamed = await withBearer(api, again.accessToken!).auth.updateProfile({
        username: gone.user.username!,
      });
      expect(renamed.username).toBe(gone.user.username);
    } finally {
      api.clock.set(START);
    }
  });

  it('the last admin cannot delete their account', async () => {
    const solo = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
    try {
      const admin = await signUp(solo);
      await solo.database.db
        .update(schema.users)
        .set({ role: 'admin' })
        .where(eq(schema.users.id, admin.user.id));
      await expectError(
        withBearer(solo, admin.accessToken).auth.deleteAccount({ password: PASSWORD }),
        'CONFLICT',
        'LAST_ADMIN',
      );
      const [row] = await solo.database.db
        .select()
        .from(schema.users)
        .where(eq(schema.users.id, admin.user.id));
      expect(row!.deletedAt).toBeNull();
    } finally {
      await solo.close();
    }
  });
});

describe('API keys cannot act as a signed-in person', () => {
  it('refuses password change, deletion, logout and device changes for an API key', async () => {
    const admin = await signUpAdmin();
    const { key } = await withBearer(api, admin.accessToken).admin.apiKeys.create({ name: 'bot' });
    const bot = withBearer(api, key);
    expect((await bot.auth.me()).id).toBe(admin.user.id);
    await expectError(
      bot.auth.changePassword({ currentPassword: PASSWORD, newPassword: OTHER_PASSWORD }),
      'FORBIDDEN',
    );
    await expectError(bot.auth.deleteAccount({ password: PASSWORD }), 'FORBIDDEN');
    await expectError(bot.auth.logout(), 'FORBIDDEN');
    await expectError(bot.auth.sessions.revokeOthers(), 'FORBIDDEN');
    expect((await userRow(admin.user.id)).deletedAt).toBeNull();
  });
});
