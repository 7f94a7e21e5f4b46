import { hash, parseOptions } from '@node-rs/argon2';
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

const passwordHashOf = async (userId: string) => {
  const [row] = await api.database.db
    .select({ h: schema.users.passwordHash })
    .from(schema.users)
    .where(eq(schema.users.id, userId));
  return row!.h;
};

describe('auth.signup', () => {
  it('creates the account, signs it in and stores an argon2id hash with OWASP parameters', async () => {
    const { user, accessToken } = await signUp(api, { name: 'Ada' });
    expect(user).toMatchObject({ role: 'user', name: 'Ada', points: 0, timezone: 'UTC' });
    const stored = await passwordHashOf(user.id);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored).not.toContain(PASSWORD);
    const me = await withBearer(api, accessToken).auth.me();
    expect(me.id).toBe(user.id);
    expect(me).not.toHaveProperty('passwordHash');
  });

  it('salts every hash: two users with the same password get different hashes', async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    expect(await passwordHashOf(a.user.id)).not.toBe(await passwordHashOf(b.user.id));
  });

  it('stores the email trimmed and lower-cased, and refuses the same email in another case', async () => {
    const name = uniqueName('ada');
    const { user } = await signUp(api, { email: `  ${name.toUpperCase()}@Example.COM ` });
    expect(user.email).toBe(`${name}@example.com`);
    await expectError(signUp(api, { email: `${name}@EXAMPLE.com` }), 'CONFLICT', 'EMAIL_TAKEN');
  });

  it('refuses a username that differs only in case', async () => {
    const name = uniqueName('Grace_');
    await signUp(api, { username: name });
    await expectError(signUp(api, { username: name.toLowerCase() }), 'CONFLICT', 'USERNAME_TAKEN');
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['not word characters', 'bad name'],
    ['punctuation', 'bad-name!'],
  ])('refuses a username that is %s', async (_why, username) => {
    await expectError(signUp(api, { username }), 'BAD_REQUEST', 'VALIDATION_FAILED');
  });

  it('takes passwords of 8 to 256 characters of any kind, exactly as sent', async () => {
    await expectError(signUp(api, { password: 'Xk8#pL2' }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await signUp(api, { password: 'Xk8#pL2v' });
    await signUp(api, { password: `${PASSWORD} `.repeat(10).slice(0, 64) });
    const longest = Array.from({ length: 256 }, (_, i) => 'qz7!Kp2#mX'[i % 10]).join('');
    await signUp(api, { password: longest });
    await expectError(signUp(api, { password: `${longest}x` }), 'BAD_REQUEST', 'VALIDATION_FAILED');

    const unicode = '🦊 лиса 狐狸 renard!';
    const { user } = await signUp(api, { password: unicode });
    signedIn(await api.anonymous().auth.login({ identifier: user.email, password: unicode }));
    // No trimming: the same password with the spaces around it removed is another password.
    const spaced = '   spaces   around   ';
    const other = await signUp(api, { password: spaced });
    await expectError(
      api.anonymous().auth.login({ identifier: other.user.email, password: spaced.trim() }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
  });

  it.each([
    ['a leaked common password', 'password123'],
    ['a common password with the usual decorations', 'Password1!'],
    ['the product name', 'skillbytes2024'],
    ['a keyboard walk', 'qwerty123'],
  ])('refuses %s with WEAK_PASSWORD', async (_why, password) => {
    const error = await expectError(signUp(api, { password }), 'BAD_REQUEST', 'WEAK_PASSWORD');
    expect(error.message).toMatch(/too common|easy to guess/);
  });

  it('refuses a password made from the account’s own email or username', async () => {
    const name = uniqueName('zelda');
    await expectError(
      signUp(api, { email: `${name}@example.com`, password: `${name}@example.com` }),
      'BAD_REQUEST',
      'WEAK_PASSWORD',
    );
    await expectError(
      signUp(api, { username: name, password: `${name}2024` }),
      'BAD_REQUEST',
      'WEAK_PASSWORD',
    );
  });

  it('refuses unknown fields (no mass assignment of role or points)', async () => {
    await expectError(
      api.anonymous().auth.signup({
        email: `${uniqueName()}@example.com`,
        password: PASSWORD,
        role: 'admin',
      } as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('limits sign-ups to ALLOWED_EMAIL_DOMAINS when set', async () => {
    const limited = await createTestApi({
      config: { allowedEmailDomains: ['school.example'], rateLimits: GENEROUS_LIMITS },
    });
    try {
      await expectError(
        limited.anonymous().auth.signup({ email: 'kid@elsewhere.example', password: PASSWORD }),
        'BAD_REQUEST',
        'EMAIL_DOMAIN_NOT_ALLOWED',
      );
      await expectError(
        limited.anonymous().auth.signup({ email: 'kid@sub.school.example', password: PASSWORD }),
        'BAD_REQUEST',
        'EMAIL_DOMAIN_NOT_ALLOWED',
      );
      const ok = await limited.anonymous().auth.signup({ email: 'Kid@School.Example', password: PASSWORD });
      expect(ok.user.email).toBe('kid@school.example');
    } finally {
      await limited.close();
    }
  });
});

describe('auth.login', () => {
  it('takes an email in any case and with spaces, or a username in any case', async () => {
    const name = uniqueName('Alice_');
    const { user } = await signUp(api, { email: `${name}@example.com`, username: name });
    const byEmail = signedIn(
      await api.anonymous().auth.login({
        identifier: `  ${name.toUpperCase()}@EXAMPLE.com `,
        password: PASSWORD,
      }),
    );
    expect(byEmail.user.id).toBe(user.id);
    const byUsername = signedIn(
      await api.anonymous().auth.login({ identifier: name.toLowerCase(), password: PASSWORD }),
    );
    expect(byUsername.user.id).toBe(user.id);
  });

  it('answers unknown email, unknown username and wrong password identically', async () => {
    const { user } = await signUp(api);
    const attempts = [
      { identifier: `nobody-${uniqueName()}@example.com`, password: PASSWORD },
      { identifier: `nobody_${uniqueName()}`, password: PASSWORD },
      { identifier: user.email, password: OTHER_PASSWORD },
      { identifier: user.username!, password: OTHER_PASSWORD },
    ];
    const errors = [];
    for (const input of attempts) {
      errors.push(
        await expectError(api.anonymous().auth.login(input), 'UNAUTHORIZED', 'INVALID_CREDENTIALS'),
      );
    }
    expect(new Set(errors.map((e) => e.message)).size).toBe(1);
    expect(errors[0]!.message).toBe('Login failed; invalid user ID or password');
  });

  it('takes about as long for an unknown user as for a wrong password (dummy hash)', async () => {
    const { user } = await signUp(api);
    const time = async (identifier: string) => {
      const start = performance.now();
      await api
        .anonymous()
        .auth.login({ identifier, password: OTHER_PASSWORD })
        .catch(() => {});
      return performance.now() - start;
    };
    await time(user.email);
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 15; i++) {
      unknown.push(await time(`ghost${i}@example.com`));
      wrong.push(await time(user.email));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [mu, mw] = [median(unknown), median(wrong)];
    // argon2 dominates both: without the dummy hash the unknown case would be ~10x faster.
    expect(Math.abs(mu - mw) / Math.max(mu, mw)).toBeLessThan(0.35);
  });

  it('rehashes on login when the stored hash used weaker parameters', async () => {
    const { user } = await signUp(api);
    const weak = await hash(PASSWORD, { memoryCost: 7168, timeCost: 5, parallelism: 1 });
    await api.database.db
      .update(schema.users)
      .set({ passwordHash: weak })
      .where(eq(schema.users.id, user.id));
    signedIn(await api.anonymous().auth.login({ identifier: user.email, password: PASSWORD }));
    const params = parseOptions(await passwordHashOf(user.id));
    expect(params).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 });
  });

  it('always opens a new session, ignoring session cookies sent with the request', async () => {
    const first = await signUp(api);
    const again = signedIn(
      await api
        .anonymous({ credentials: { refreshCookie: first.refreshToken, accessCookie: first.accessToken } })
        .auth.login({ identifier: first.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    expect(again.refreshToken!.split('.')[0]).not.toBe(first.refreshToken.split('.')[0]);
    // The earlier session is untouched.
    expect((await withBearer(api, first.accessToken).auth.me()).id).toBe(first.user.id);
  });

  it('gives browsers HttpOnly SameSite=Lax cookies and never the refresh token in the body', async () => {
    const { user } = await signUp(api);
    const { res, cookies, headers } = captureResponse();
    const result = signedIn(
      await api.anonymous({ res }).auth.login({ identifier: user.email, password: PASSWORD }),
    );
    expect(result).not.toHaveProperty('refreshToken');
    expect(result).not.toHaveProperty('accessToken');
    expect(result.expiresAt).toBeInstanceOf(Date);
    expect(headers.get('cache-control')).toBe('no-store');
    const parsed = cookies.map(parseSetCookie);
    expect(parsed.map((c) => c.name).sort()).toEqual(['sb_at', 'sb_dt', 'sb_rt']);
    for (const c of parsed) {
      expect(c.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
      expect(c.attributes.domain).toBeUndefined();
      expect(c.attributes.secure).toBeUndefined(); // development: plain http
    }
    const access = parsed.find((c) => c.name === 'sb_at')!;
    const refresh = parsed.find((c) => c.name === 'sb_rt')!;
    expect(Number(access.attributes['max-age'])).toBe(api.services.config.accessTokenTtlSec);
    expect(Number(refresh.attributes['max-age'])).toBe(api.services.config.sessionAbsoluteTtlSec);
    // The cookie's access token works as a credential.
    const me = await api.anonymous({ credentials: { accessCookie: access.value } }).auth.me();
    expect(me.id).toBe(user.id);
  });

  it('uses Secure __Host- cookies in production', async () => {
    const prod = await createTestApi({ config: { isProduction: true, rateLimits: GENEROUS_LIMITS } });
    try {
      const { res, cookies } = captureResponse();
      await prod.anonymous({ res }).auth.signup({ email: `${uniqueName()}@example.com`, password: PASSWORD });
      const parsed = cookies.map(parseSetCookie);
      expect(parsed.map((c) => c.name).sort()).toEqual(['__Host-sb_at', '__Host-sb_dt', '__Host-sb_rt']);
      for (const c of parsed) expect(c.attributes).toMatchObject({ secure: true, httponly: true, path: '/' });
    } finally {
      await prod.close();
    }
  });
});
