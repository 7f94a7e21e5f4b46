import { schema } from '@skillbytes/db';
import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptMfaSecret } from '../src/auth/mfa-secret.ts';
import { MFA_TOKEN_MAX_FAILURES } from '../src/auth/mfa-login.ts';
import { sha256 } from '../src/auth/tokens.ts';
import { matchTotp, TOTP_PARAMS } from '../src/auth/totp.ts';
import { DEFAULT_RATE_LIMITS } from '../src/config.ts';
import {
  captureResponse,
  expectError,
  GENEROUS_LIMITS,
  PASSWORD,
  parseSetCookie,
  signedIn,
  signUp,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  // The code limit as deployed (5, then the backoff); the password limits out of the way.
  api = await createTestApi({
    config: { rateLimits: { ...GENEROUS_LIMITS, mfaPerAccount: DEFAULT_RATE_LIMITS.mfaPerAccount } },
  });
});
afterAll(() => api?.close());

const STEP_MS = 30_000;

/** The code an authenticator app shows for this secret `steps` periods from the test clock's now. */
const codeAt = (secret: string, steps = 0) =>
  TOTP.generate({
    secret: Secret.fromBase32(secret),
    timestamp: api.clock.now().getTime() + steps * STEP_MS,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });

/** Moves the clock to the start of the next 30-second step: a code of a later step exists. */
const nextStep = () => api.clock.advance(STEP_MS - (api.clock.now().getTime() % STEP_MS));

const auditRows = async (userId: string, action: string) =>
  api.database.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.target, userId), eq(schema.auditLog.action, action)));

/** A user with TOTP on: their secret, recovery codes and a Bearer caller of a fresh session. */
async function mfaUser() {
  const account = await signUp(api);
  const me = withBearer(api, account.accessToken);
  const { secret, otpauthUri } = await me.auth.mfa.setup({ password: PASSWORD });
  nextStep();
  const { recoveryCodes } = await me.auth.mfa.enable({ code: codeAt(secret) });
  nextStep();
  return { ...account, me, secret, otpauthUri, recoveryCodes };
}

const loginBody = (email: string) =>
  api.anonymous().auth.login({ identifier: email, password: PASSWORD, tokenDelivery: 'body' });

async function mfaTokenOf(email: string) {
  const answer = await loginBody(email);
  if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
  return answer.mfaToken;
}

describe('TOTP codes (RFC 6238)', () => {
  // Appendix B, SHA1: the ASCII secret "12345678901234567890", 8 digits, 30 s steps.
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  const secret = Secret.fromUTF8('12345678901234567890');

  it.each(vectors)('at T = %i s the code is %s, and it names that time step', (seconds, code) => {
    const params = { ...TOTP_PARAMS, digits: 8, window: 0 };
    expect(matchTotp(secret, code, new Date(seconds * 1000), params)).toBe(Math.floor(seconds / 30));
    const wrong = `${code.slice(0, -1)}${(Number(code.at(-1)) + 1) % 10}`;
    expect(matchTotp(secret, wrong, new Date(seconds * 1000), params)).toBeNull();
  });

  it('accepts one step of clock skew either way and refuses two', () => {
    const at = new Date(1111111111 * 1000);
    const step = Math.floor(1111111111 / 30);
    const base32 = secret.base32;
    const codeOf = (s: number) =>
      TOTP.generate({ secret, timestamp: s * STEP_MS, algorithm: 'SHA1', digits: 6, period: 30 });
    expect(matchTotp(base32, codeOf(step - 1), at)).toBe(step - 1);
    expect(matchTotp(base32, codeOf(step + 1), at)).toBe(step + 1);
    expect(matchTotp(base32, codeOf(step - 2), at)).toBeNull();
    expect(matchTotp(base32, codeOf(step + 2), at)).toBeNull();
  });
});

describe('auth.mfa.setup / enable / disable', () => {
  it('setup answers a secret that is not active until enable; a second setup replaces the pending one', async () => {
    const account = await signUp(api);
    const me = withBearer(api, account.accessToken);
    const first = await me.auth.mfa.setup({ password: PASSWORD });
    expect(first.otpauthUri).toMatch(/^otpauth:\/\/totp\/Skill%20Bytes:/);
    expect(first.otpauthUri).toContain(`secret=${first.secret}`);
    expect(first.otpauthUri).toMatch(/algorithm=SHA1&digits=6&period=30/);
    expect((await me.auth.me()).mfaEnabled).toBe(false);
    expect(signedIn(await loginBody(account.user.email)).user.id).toBe(account.user.id);

    const second = await me.auth.mfa.setup({ password: PASSWORD });
    expect(second.secret).not.toBe(first.secret);
    nextStep();
    await expectError(me.auth.mfa.enable({ code: codeAt(first.secret) }), 'UNAUTHORIZED', 'INVALID_MFA_CODE');
    const { recoveryCodes } = await me.auth.mfa.enable({ code: codeAt(second.secret) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect((await me.auth.me()).mfaEnabled).toBe(true);
    expect(await me.auth.session()).toMatchObject({ mfaEnabled: true });
  });

  it('setup refuses a wrong password, and an account that already has TOTP on', async () => {
    const account = await signUp(api);
    const me = withBearer(api, account.accessToken);
    await expectError(
      me.auth.mfa.setup({ password: 'not my password' }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    const user = await mfaUser();
    await expectError(user.me.auth.mfa.setup({ password: PASSWORD }), 'CONFLICT', 'MFA_ALREADY_ENABLED');
    await expectError(
      user.me.auth.mfa.enable({ code: codeAt(user.secret) }),
      'CONFLICT',
      'MFA_ALREADY_ENABLED',
    );
  });

  it('enable without a pending setup is MFA_NOT_ENABLED; a malformed code is a validation error', async () => {
    const account = await signUp(api);
    const me = withBearer(api, account.accessToken);
    await expectError(me.auth.mfa.enable({ code: '123456' }), 'BAD_REQUEST', 'MFA_NOT_ENABLED');
    for (const code of ['12345', '1234567', 'abcdef', '12\u00003456', 'x'.repeat(10_000)]) {
      await expectError(me.auth.mfa.enable({ code }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    }
  });

  it('keeps the secret encrypted at rest (AES-GCM, bound to the user) and only hashes of the recovery codes', async () => {
    const user = await mfaUser();
    const [row] = await api.database.db.select().from(schema.users).where(eq(schema.users.id, user.user.id));
    expect(row!.mfaSecret).toMatch(/^v1\./);
    expect(row!.mfaSecret).not.toContain(user.secret);
    expect(decryptMfaSecret(api.services.config, user.user.id, row!.mfaSecret!)).toBe(user.secret);
    // The associated data is the user id: the ciphertext does not decrypt for another account.
    expect(decryptMfaSecret(api.services.config, crypto.randomUUID(), row!.mfaSecret!)).toBeNull();
    // A tampered or shortened tag does not decrypt either.
    const [v, iv, ct, tag] = row!.mfaSecret!.split('.') as [string, string, string, string];
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(decryptMfaSecret(api.services.config, user.user.id, [v, iv, ct, short].join('.'))).toBeNull();
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0]! ^= 1;
    const tampered = [v, iv, flipped.toString('base64url'), tag].join('.');
    expect(decryptMfaSecret(api.services.config, user.user.id, tampered)).toBeNull();
    const codes = await api.database.db
      .select()
      .from(schema.mfaRecoveryCodes)
      .where(eq(schema.mfaRecoveryCodes.userId, user.user.id));
    expect(codes).toHaveLength(10);
    const stored = JSON.stringify(codes);
    for (const c of user.recoveryCodes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace('-', ''));
    }
  });

  it('disable takes the password and a TOTP code, or a recovery code; then logins need no code', async () => {
    const byCode = await mfaUser();
    await expectError(
      byCode.me.auth.mfa.disable({ password: 'wrong password', code: codeAt(byCode.secret) }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    await expectError(
      byCode.me.auth.mfa.disable({ password: PASSWORD, code: '000000' }),
      'UNAUTHORIZED',
      'INVALID_MFA_CODE',
    );
    await byCode.me.auth.mfa.disable({ password: PASSWORD, code: codeAt(byCode.secret) });
    expect((await byCode.me.auth.me()).mfaEnabled).toBe(false);
    expect(signedIn(await loginBody(byCode.user.email)).user.mfaEnabled).toBe(false);

    const byRecovery = await mfaUser();
    await byRecovery.me.auth.mfa.disable({ password: PASSWORD, recoveryCode: byRecovery.recoveryCodes[3]! });
    expect((await byRecovery.me.auth.me()).mfaEnabled).toBe(false);
    const left = await api.database.db
      .select()
      .from(schema.mfaRecoveryCodes)
      .where(eq(schema.mfaRecoveryCodes.userId, byRecovery.user.id));
    expect(left).toEqual([]);
    await expectError(
      byRecovery.me.auth.mfa.disable({ password: PASSWORD, code: codeAt(byRecovery.secret) }),
      'BAD_REQUEST',
      'MFA_NOT_ENABLED',
    );
  });

  it('disable refuses both or neither of code and recoveryCode', async () => {
    const user = await mfaUser();
    await expectError(user.me.auth.mfa.disable({ password: PASSWORD }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectError(
      user.me.auth.mfa.disable({
        password: PASSWORD,
        code: codeAt(user.secret),
        recoveryCode: user.recoveryCodes[0]!,
      }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('API keys cannot change MFA (sessions only)', async () => {
    const user = await api.createUser();
    const viaKey = api.as(user, { kind: 'apiKey', keyId: 'k', scopes: [] } as never);
    await expectError(viaKey.auth.mfa.setup({ password: PASSWORD }), 'FORBIDDEN', 'FORBIDDEN');
    await expectError(viaKey.auth.mfa.enable({ code: '123456' }), 'FORBIDDEN', 'FORBIDDEN');
    await expectError(api.anonymous().auth.mfa.setup({ password: PASSWORD }), 'UNAUTHORIZED');
  });
});

describe('auth.login with MFA on, then auth.mfa.verify', () => {
  it('the right password answers mfaRequired and opens no session, hands no device token', async () => {
    const user = await mfaUser();
    const before = await api.database.db
      .select()
      .from(schema.sessions)
      .where(eq(schema.sessions.userId, user.user.id));
    const browser = captureResponse();
    const answer = await api
      .anonymous({ res: browser.res })
      .auth.login({ identifier: user.user.email, password: PASSWORD });
    expect(answer).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresAt: expect.any(Date) });
    if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
    expect(answer.expiresAt.getTime() - api.clock.now().getTime()).toBe(5 * 60_000);
    expect(browser.cookies).toEqual([]);
    const after = await api.database.db
      .select()
      .from(schema.sessions)
      .where(eq(schema.sessions.userId, user.user.id));
    expect(after).toHaveLength(before.length);
    // The token is stored as a hash only.
    const [row] = await api.database.db
      .select()
      .from(schema.mfaTokens)
      .where(eq(schema.mfaTokens.tokenHash, sha256(answer.mfaToken)));
    expect(row).toMatchObject({ userId: user.user.id, usedAt: null, failures: 0 });
    // A wrong password is still the one login failure.
    await expectError(
      api.anonymous().auth.login({ identifier: user.user.email, password: 'nope nope nope' }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
  });

  it('verify with a TOTP code answers exactly what a login answers, in the delivery the login asked for', async () => {
    const user = await mfaUser();
    const mfaToken = await mfaTokenOf(user.user.email);
    const verified = await api.anonymous().auth.mfa.verify({ mfaToken, code: codeAt(user.secret) });
    expect(verified).toEqual({
      user: expect.objectContaining({ id: user.user.id, mfaEnabled: true }),
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresAt: expect.any(Date),
      sessionExpiresAt: expect.any(Date),
      deviceToken: expect.any(String),
    });
    expect((await withBearer(api, verified.accessToken!).auth.me()).id).toBe(user.user.id);

    // A browser login: the verify answers with cookies, never tokens in the body.
    nextStep();
    const first = await api.anonymous().auth.login({ identifier: user.user.email, password: PASSWORD });
    if (!('mfaRequired' in first)) throw new Error('expected mfaRequired');
    const browser = captureResponse();
    const viaCookie = await api
      .anonymous({ res: browser.res })
      .auth.mfa.verify({ mfaToken: first.mfaToken, code: codeAt(user.secret) });
    expect(viaCookie).not.toHaveProperty('accessToken');
    expect(viaCookie).not.toHaveProperty('deviceToken');
    expect(browser.cookies.map((c) => parseSetCookie(c).name).sort()).toEqual(['sb_at', 'sb_dt', 'sb_rt']);
  });

  it('a replayed code is refused within its window, and so is an older one (audited as a replay)', async () => {
    const user = await mfaUser();
    const code = codeAt(user.secret);
    await api.anonymous().auth.mfa.verify({ mfaToken: await mfaTokenOf(user.user.email), code });
    const again = await mfaTokenOf(user.user.email);
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: again, code }),
      'UNAUTHORIZED',
      'INVALID_MFA_CODE',
    );
    // The previous step's code is still inside the ±1 window, but older than the one accepted.
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: again, code: codeAt(user.secret, -1) }),
      'UNAUTHORIZED',
      'INVALID_MFA_CODE',
    );
    expect(await auditRows(user.user.id, 'authn_mfa_replay')).toHaveLength(2);
    // The next step's code works with the same token.
    nextStep();
    await api.anonymous().auth.mfa.verify({ mfaToken: again, code: codeAt(user.secret) });
  });

  it('accepts a code one step ahead or behind (clock skew) and refuses two steps', async () => {
    const user = await mfaUser();
    // Away from the step enable claimed, so the step behind is a new one.
    api.clock.advance(3 * STEP_MS);
    await expectError(
      api
        .anonymous()
        .auth.mfa.verify({ mfaToken: await mfaTokenOf(user.user.email), code: codeAt(user.secret, 2) }),
      'UNAUTHORIZED',
      'INVALID_MFA_CODE',
    );
    await api.anonymous().auth.mfa.verify({
      mfaToken: await mfaTokenOf(user.user.email),
      code: codeAt(user.secret, -1),
    });
    await api.anonymous().auth.mfa.verify({
      mfaToken: await mfaTokenOf(user.user.email),
      code: codeAt(user.secret, 1),
    });
    api.clock.advance(4 * STEP_MS);
    await expectError(
      api
        .anonymous()
        .auth.mfa.verify({ mfaToken: await mfaTokenOf(user.user.email), code: codeAt(user.secret, -2) }),
      'UNAUTHORIZED',
      'INVALID_MFA_CODE',
    );
  });

  it('an mfa token works once, and not after five minutes', async () => {
    const user = await mfaUser();
    const mfaToken = await mfaTokenOf(user.user.email);
    await api.anonymous().auth.mfa.verify({ mfaToken, code: codeAt(user.secret) });
    nextStep();
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken, code: codeAt(user.secret) }),
      'UNAUTHORIZED',
      'MFA_TOKEN_INVALID',
    );

    const stale = await mfaTokenOf(user.user.email);
    api.clock.advance(5 * 60_000);
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: stale, code: codeAt(user.secret) }),
      'UNAUTHORIZED',
      'MFA_TOKEN_INVALID',
    );
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: 'made-up-token', code: codeAt(user.secret) }),
      'UNAUTHORIZED',
      'MFA_TOKEN_INVALID',
    );
    const reasons = (await auditRows(user.user.id, 'authn_mfa_verify'))
      .filter((r) => r.outcome === 'failure')
      .map((r) => (r.metadata as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['token_used', 'token_expired']));
  });

  it('a recovery code signs in once; the same code again is refused', async () => {
    const user = await mfaUser();
    const [code] = user.recoveryCodes as [string];
    const verified = await api
      .anonymous()
      .auth.mfa.verify({ mfaToken: await mfaTokenOf(user.user.email), recoveryCode: code.toUpperCase() });
    expect(verified.user.id).toBe(user.user.id);
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: await mfaTokenOf(user.user.email), recoveryCode: code }),
      'UNAUTHORIZED',
      'INVALID_MFA_CODE',
    );
    const [used] = await auditRows(user.user.id, 'authn_mfa_recovery_code_used');
    expect(used?.metadata).toEqual({ remaining: 9 });
  });

  it('verify takes exactly one of code and recoveryCode', async () => {
    const user = await mfaUser();
    const mfaToken = await mfaTokenOf(user.user.email);
    await expectError(api.anonymous().auth.mfa.verify({ mfaToken }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectError(
      api
        .anonymous()
        .auth.mfa.verify({ mfaToken, code: codeAt(user.secret), recoveryCode: user.recoveryCodes[0]! }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: '\ud800', code: codeAt(user.secret) }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('wrong codes are rate limited per account even when sent at once, and the token dies after five', async () => {
    const user = await mfaUser();
    const mfaToken = await mfaTokenOf(user.user.email);
    const limit = DEFAULT_RATE_LIMITS.mfaPerAccount.limit;
    const results = await Promise.allSettled(
      Array.from({ length: limit + 3 }, () => api.anonymous().auth.mfa.verify({ mfaToken, code: '000000' })),
    );
    const codes = results.map((r) =>
      r.status === 'rejected' ? (r.reason as { cause?: { appCode?: string } }).cause?.appCode : 'OK',
    );
    expect(codes.filter((c) => c === 'INVALID_MFA_CODE')).toHaveLength(limit);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3);
    const limited = results.find(
      (r) =>
        r.status === 'rejected' &&
        (r.reason as { cause?: { appCode?: string } }).cause?.appCode === 'RATE_LIMITED',
    ) as PromiseRejectedResult;
    expect(
      (limited.reason as { cause: { details: { retryAfter: number } } }).cause.details.retryAfter,
    ).toBeGreaterThan(0);
    // A new token does not get around the account's limit.
    const fresh = await mfaTokenOf(user.user.email);
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken: fresh, code: codeAt(user.secret) }),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
    // After the wait the right code works, but not with the token that took five wrong codes.
    api.clock.advance(2 * 60_000);
    expect(MFA_TOKEN_MAX_FAILURES).toBe(limit);
    await expectError(
      api.anonymous().auth.mfa.verify({ mfaToken, code: codeAt(user.secret) }),
      'UNAUTHORIZED',
      'MFA_TOKEN_INVALID',
    );
    await api.anonymous().auth.mfa.verify({ mfaToken: fresh, code: codeAt(user.secret) });
  });

  it('concurrent verifies with one code open exactly one session', async () => {
    const user = await mfaUser();
    const tokens = await Promise.all([1, 2, 3, 4].map(() => mfaTokenOf(user.user.email)));
    const code = codeAt(user.secret);
    const sessionsBefore = await api.database.db
      .select()
      .from(schema.sessions)
      .where(eq(schema.sessions.userId, user.user.id));
    // The same token four times, and four tokens with the same code.
    const results = await Promise.allSettled([
      ...[1, 2, 3, 4].map(() => api.anonymous().auth.mfa.verify({ mfaToken: tokens[0]!, code })),
      ...tokens.slice(1).map((mfaToken) => api.anonymous().auth.mfa.verify({ mfaToken, code })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const sessionsAfter = await api.database.db
      .select()
      .from(schema.sessions)
      .where(eq(schema.sessions.userId, user.user.id));
    expect(sessionsAfter).toHaveLength(sessionsBefore.length + 1);
  });

  it('audits setup, enable, the challenge, verify (ok and failed) and disable, never a code or secret', async () => {
    const user = await mfaUser();
    const mfaToken = await mfaTokenOf(user.user.email);
    await expectError(api.anonymous().auth.mfa.verify({ mfaToken, code: '000000' }), 'UNAUTHORIZED');
    await api.anonymous().auth.mfa.verify({ mfaToken, code: codeAt(user.secret) });
    nextStep();
    await user.me.auth.mfa.disable({ password: PASSWORD, code: codeAt(user.secret) });
    const rows = await api.database.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.target, user.user.id));
    const actions = rows.map((r) => `${r.action}:${r.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'authn_mfa_setup:success',
        'authn_mfa_enabled:success',
        'authn_mfa_challenge:success',
        'authn_mfa_verify:failure',
        'authn_mfa_verify:success',
        'authn_login_success:success',
        'authn_mfa_disabled:success',
      ]),
    );
    const text = JSON.stringify(rows);
    expect(text).not.toContain(user.secret);
    expect(text).not.toContain(mfaToken);
    for (const c of user.recoveryCodes) expect(text).not.toContain(c);
  });
});
