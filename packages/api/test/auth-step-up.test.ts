import { schema } from '@skillbytes/db';
import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureResponse,
  expectError,
  GENEROUS_LIMITS,
  PASSWORD,
  signedIn,
  signUp,
  uniqueName,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

const WINDOW_SEC = 10 * 60;
const STEP_MS = 30_000;

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({
    config: { rateLimits: GENEROUS_LIMITS, reauthWindowSec: WINDOW_SEC, accessTokenTtlSec: 3600 },
  });
});
afterAll(() => api?.close());

const codeAt = (secret: string) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: api.clock.now().getTime() });

const nextStep = () => api.clock.advance(STEP_MS - (api.clock.now().getTime() % STEP_MS));

/** A signed-up user whose session proved itself `ageMs` ago. */
async function staleSession(ageMs = WINDOW_SEC * 1000 + 1000) {
  const account = await signUp(api);
  api.clock.advance(ageMs);
  return { ...account, me: withBearer(api, account.accessToken) };
}

/** Every procedure the step-up rule covers, called as `me` would. */
const sensitive = (me: ReturnType<typeof withBearer>) => ({
  revokeOthers: () => me.auth.sessions.revokeOthers(),
  usernameChange: () => me.auth.updateProfile({ username: uniqueName('n') }),
  mfaEnable: () => me.auth.mfa.enable({ code: '123456' }),
  mfaDisable: () => me.auth.mfa.disable({ password: PASSWORD, code: '123456' }),
  deleteAccount: () => me.auth.deleteAccount({ password: PASSWORD }),
});

const auditRows = (userId: string, action: string) =>
  api.database.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.target, userId), eq(schema.auditLog.action, action)));

describe('step-up: sensitive changes need a recent authentication', () => {
  it('a fresh sign-in is a recent authentication: other devices can be signed out at once', async () => {
    const account = await signUp(api);
    signedIn(await api.anonymous().auth.login({ identifier: account.user.email, password: PASSWORD }));
    const { revoked } = await withBearer(api, account.accessToken).auth.sessions.revokeOthers();
    expect(revoked).toBe(1);
  });

  it.each(['revokeOthers', 'usernameChange', 'mfaEnable', 'mfaDisable', 'deleteAccount'] as const)(
    '%s past the window answers FORBIDDEN / REAUTH_REQUIRED and changes nothing',
    async (name) => {
      const { me, user } = await staleSession();
      const error = await expectError(sensitive(me)[name](), 'FORBIDDEN', 'REAUTH_REQUIRED');
      expect(error.cause).toMatchObject({ details: { windowSec: WINDOW_SEC } });
      const profile = await me.auth.me();
      expect(profile.username).toBe(user.username);
    },
  );

  it('the window is REAUTH_WINDOW_MINUTES: just inside passes, just past it does not', async () => {
    const inside = await staleSession(WINDOW_SEC * 1000);
    await inside.me.auth.sessions.revokeOthers();
    const past = await staleSession(WINDOW_SEC * 1000 + 1);
    await expectError(past.me.auth.sessions.revokeOthers(), 'FORBIDDEN', 'REAUTH_REQUIRED');
  });

  it('other profile fields, and the same username again, need no step-up', async () => {
    const { me, user } = await staleSession();
    expect((await me.auth.updateProfile({ name: 'Still Me', language: 'typescript' })).name).toBe('Still Me');
    expect((await me.auth.updateProfile({ username: user.username!, name: 'Me' })).name).toBe('Me');
    await expectError(
      me.auth.updateProfile({ username: user.username!.toUpperCase() }),
      'FORBIDDEN',
      'REAUTH_REQUIRED',
    );
  });

  it('reauthenticate with the password opens the window again, for this session only', async () => {
    const { me, user, refreshToken } = await staleSession();
    const other = signedIn(
      await api.anonymous().auth.login({ identifier: user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    api.clock.advance(WINDOW_SEC * 1000 + 1000);
    const answer = await me.auth.reauthenticate({ password: PASSWORD });
    expect(answer).toEqual({ reauthenticatedAt: api.clock.now(), windowSec: WINDOW_SEC });
    await expectError(
      withBearer(api, other.accessToken!).auth.sessions.revokeOthers(),
      'FORBIDDEN',
      'REAUTH_REQUIRED',
    );
    const renamed = uniqueName('n');
    expect((await me.auth.updateProfile({ username: renamed })).username).toBe(renamed);
    expect((await me.auth.sessions.revokeOthers()).revoked).toBe(1);
    const [row] = await api.database.db
      .select({ at: schema.sessions.reauthenticatedAt })
      .from(schema.sessions)
      .where(eq(schema.sessions.id, refreshToken.split('.')[0]!));
    expect(row?.at).toEqual(api.clock.now());
    const rows = await auditRows(user.id, 'authn_reauth');
    expect(rows.map((r) => [r.outcome, r.metadata])).toEqual([['success', { method: 'password' }]]);
  });

  it('a wrong password is INVALID_CREDENTIALS, audited, and shares the login throttle', async () => {
    const { me, user } = await staleSession();
    await expectError(
      me.auth.reauthenticate({ password: 'not the password' }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    await expectError(me.auth.sessions.revokeOthers(), 'FORBIDDEN', 'REAUTH_REQUIRED');
    const [row] = await auditRows(user.id, 'authn_reauth');
    expect(row).toMatchObject({ outcome: 'failure', metadata: { method: 'password' } });
    const buckets = await api.database.db.select().from(schema.rateLimits);
    expect(buckets.some((b) => b.bucket.includes(user.id))).toBe(true);
  });

  it('reauthenticate with a TOTP code works only with MFA on, and a code is accepted once', async () => {
    const plain = await staleSession();
    await expectError(plain.me.auth.reauthenticate({ code: '123456' }), 'BAD_REQUEST', 'MFA_NOT_ENABLED');

    const account = await signUp(api);
    const me = withBearer(api, account.accessToken);
    const { secret } = await me.auth.mfa.setup({ password: PASSWORD });
    nextStep();
    await me.auth.mfa.enable({ code: codeAt(secret) });
    api.clock.advance(WINDOW_SEC * 1000 + 1000);
    await expectError(me.auth.sessions.revokeOthers(), 'FORBIDDEN', 'REAUTH_REQUIRED');
    const code = codeAt(secret);
    await me.auth.reauthenticate({ code });
    await me.auth.sessions.revokeOthers();
    await expectError(me.auth.reauthenticate({ code }), 'UNAUTHORIZED', 'INVALID_MFA_CODE');
    const rows = await auditRows(account.user.id, 'authn_reauth');
    expect(rows.map((r) => `${r.outcome}:${(r.metadata as { method: string }).method}`).sort()).toEqual([
      'failure:totp',
      'success:totp',
    ]);
  });

  it('takes exactly one of password and code', async () => {
    const { me } = await staleSession();
    await expectError(me.auth.reauthenticate({}), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectError(
      me.auth.reauthenticate({ password: PASSWORD, code: '123456' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectError(
      me.auth.reauthenticate({ password: 'x'.repeat(100_000) }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('mfa.setup takes the password and counts as the proof enable needs', async () => {
    const { me } = await staleSession();
    await expectError(me.auth.mfa.enable({ code: '123456' }), 'FORBIDDEN', 'REAUTH_REQUIRED');
    const { secret } = await me.auth.mfa.setup({ password: PASSWORD });
    nextStep();
    expect((await me.auth.mfa.enable({ code: codeAt(secret) })).recoveryCodes).toHaveLength(10);
  });

  it('an MFA login (password, then verify) is a recent authentication', async () => {
    const account = await signUp(api);
    const me = withBearer(api, account.accessToken);
    const { secret } = await me.auth.mfa.setup({ password: PASSWORD });
    nextStep();
    await me.auth.mfa.enable({ code: codeAt(secret) });
    api.clock.advance(WINDOW_SEC * 1000 + 1000);
    const answer = await api
      .anonymous()
      .auth.login({ identifier: account.user.email, password: PASSWORD, tokenDelivery: 'body' });
    if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
    const verified = await api
      .anonymous()
      .auth.mfa.verify({ mfaToken: answer.mfaToken, code: codeAt(secret) });
    await withBearer(api, verified.accessToken!).auth.sessions.revokeOthers();
  });

  it('API keys cannot reauthenticate and cannot make these changes', async () => {
    const user = await api.createUser();
    const viaKey = api.as(user, { kind: 'apiKey', keyId: 'k', scopes: [] } as never);
    await expectError(viaKey.auth.reauthenticate({ password: PASSWORD }), 'FORBIDDEN', 'FORBIDDEN');
    await expectError(viaKey.auth.sessions.revokeOthers(), 'FORBIDDEN', 'FORBIDDEN');
    await expectError(api.anonymous().auth.reauthenticate({ password: PASSWORD }), 'UNAUTHORIZED');
  });

  it('a cookie session gets the same answer (the web app asks for the password and retries)', async () => {
    const account = await signUp(api);
    const browser = captureResponse();
    api.clock.advance(WINDOW_SEC * 1000 + 1000);
    const me = api.anonymous({ res: browser.res, credentials: { accessCookie: account.accessToken } });
    await expectError(me.auth.sessions.revokeOthers(), 'FORBIDDEN', 'REAUTH_REQUIRED');
  });
});
