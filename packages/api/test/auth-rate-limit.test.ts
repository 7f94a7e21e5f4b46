import { schema } from '@skillbytes/db';
import type { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.ts';
import { DEFAULT_RATE_LIMITS } from '../src/config.ts';
import { signDeviceToken } from '../src/auth/tokens.ts';
import { DomainError } from '../src/errors.ts';
import {
  captureResponse,
  expectError,
  OTHER_PASSWORD,
  parseSetCookie,
  PASSWORD,
  signedIn,
  uniqueName,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

const LIMITS = {
  ...DEFAULT_RATE_LIMITS,
  loginPerAccount: { limit: 5, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
  loginUntrustedPerAccount: { limit: 15, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
  loginPerIp: { limit: 12, windowSec: 900 },
  signupPerIp: { limit: 3, windowSec: 3600 },
};

let api: TestApi;
let passwordHash: string;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: LIMITS } });
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(() => api?.close());

let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;

const login = (identifier: string, password: string, ip: string, res = captureResponse().res) =>
  api.anonymous({ req: { ip }, res }).auth.login({ identifier, password }).then(signedIn);

const failures = async (userId: string) =>
  (
    await api.database.db
      .select({ id: schema.auditLog.id })
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.action, 'authn_login_fail'), eq(schema.auditLog.target, userId)))
  ).length;

const retryAfterOf = (error: TRPCError) => (error.cause as DomainError).details?.retryAfter as number;

describe('login throttling per account', () => {
  it('the 6th wrong attempt is refused with 429 and the seconds to wait, before the password is checked', async () => {
    const user = await api.createUser({ passwordHash });
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      await expectError(login(user.email, OTHER_PASSWORD, ip), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    }
    const { res, headers } = captureResponse();
    const error = await expectError(
      login(user.email, PASSWORD, ip, res),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
    expect(retryAfterOf(error)).toBe(1);
    expect(headers.get('retry-after')).toBe('1');
    expect(error.cause).toBeInstanceOf(DomainError);
    // Refused before argon2: no new failure was recorded for the refused attempt.
    expect(await failures(user.id)).toBe(5);
  });

  it('then backs off (not a permanent lock) and a correct password after the wait works and resets it', async () => {
    const user = await api.createUser({ passwordHash });
    const ip = freshIp();
    const start = api.clock.now();
    try {
      for (let i = 0; i < 5; i++) await login(user.email, OTHER_PASSWORD, ip).catch(() => {});
      api.clock.advance(1000);
      await expectError(login(user.email, OTHER_PASSWORD, ip), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
      const second = await expectError(login(user.email, PASSWORD, ip), 'TOO_MANY_REQUESTS');
      expect(retryAfterOf(second)).toBe(2);
      api.clock.advance(2000);
      const ok = await login(user.email, PASSWORD, ip);
      expect(ok.user.id).toBe(user.id);
      // Reset: five fresh attempts before the next wait.
      for (let i = 0; i < 5; i++) {
        await expectError(login(user.email, OTHER_PASSWORD, ip), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
      }
      await expectError(login(user.email, OTHER_PASSWORD, ip), 'TOO_MANY_REQUESTS');
    } finally {
      api.clock.set(start);
    }
  });

  it('counts email and username logins of one account together, from every address, at a looser threshold', async () => {
    const user = await api.createUser({ passwordHash });
    for (let i = 0; i < 15; i++) {
      const identifier = i % 2 ? user.email : user.username!.toUpperCase();
      await expectError(login(identifier, OTHER_PASSWORD, freshIp()), 'UNAUTHORIZED');
    }
    await expectError(login(user.username!, PASSWORD, freshIp()), 'TOO_MANY_REQUESTS');
  });

  it('gives an unknown identifier the same thresholds, so a 429 reveals nothing', async () => {
    const ghost = `${uniqueName('ghost')}@example.com`;
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      await expectError(login(ghost, OTHER_PASSWORD, ip), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    }
    await expectError(login(ghost, OTHER_PASSWORD, ip), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    const spread = `${uniqueName('ghost')}@example.com`;
    for (let i = 0; i < 15; i++) await expectError(login(spread, OTHER_PASSWORD, freshIp()), 'UNAUTHORIZED');
    await expectError(login(spread, OTHER_PASSWORD, freshIp()), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
  });

  it('N + 5 concurrent wrong logins let exactly N reach the password check', async () => {
    const user = await api.createUser({ passwordHash });
    const ip = freshIp();
    const fromOne = await Promise.allSettled(
      Array.from({ length: 10 }, () => login(user.email, OTHER_PASSWORD, ip)),
    );
    const codesOf = (results: PromiseSettledResult<unknown>[]) =>
      results.map((r) => (r.status === 'rejected' ? (r.reason as TRPCError).code : 'OK'));
    expect(codesOf(fromOne).filter((c) => c === 'UNAUTHORIZED')).toHaveLength(5);
    expect(codesOf(fromOne).filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(5);
    // From many addresses the account-wide limit is the one that holds: 10 more get through, not 15.
    const fromMany = await Promise.allSettled(
      Array.from({ length: 15 }, () => login(user.email, OTHER_PASSWORD, freshIp())),
    );
    expect(codesOf(fromMany).filter((c) => c === 'UNAUTHORIZED')).toHaveLength(10);
    expect(codesOf(fromMany).filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(5);
    expect(await failures(user.id)).toBe(15);
  });

  it('wrong current passwords in changePassword and deleteAccount count toward the same throttle', async () => {
    const user = await api.createUser({ passwordHash });
    const ip = freshIp();
    const { accessToken } = signedIn(
      await api
        .anonymous({ req: { ip } })
        .auth.login({ identifier: user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    const me = withBearer(api, accessToken!, { req: { ip } });
    for (let i = 0; i < 3; i++) {
      await expectError(
        me.auth.changePassword({ currentPassword: OTHER_PASSWORD, newPassword: 'fresh tundra kettle 4' }),
        'UNAUTHORIZED',
        'INVALID_CREDENTIALS',
      );
    }
    await expectError(
      me.auth.deleteAccount({ password: OTHER_PASSWORD }),
      'UNAUTHORIZED',
      'INVALID_CREDENTIALS',
    );
    await expectError(login(user.email, OTHER_PASSWORD, ip), 'UNAUTHORIZED');
    await expectError(me.auth.deleteAccount({ password: PASSWORD }), 'TOO_MANY_REQUESTS');
    const [row] = await api.database.db.select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row!.deletedAt).toBeNull();
  });
});

describe('login throttling per address', () => {
  it('limits failed logins per IP across accounts, without affecting other addresses', async () => {
    const ip = freshIp();
    for (let i = 0; i < 12; i++) {
      await expectError(login(`${uniqueName('spray')}@example.com`, OTHER_PASSWORD, ip), 'UNAUTHORIZED');
    }
    const user = await api.createUser({ passwordHash });
    await expectError(login(user.email, PASSWORD, ip), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    expect((await login(user.email, PASSWORD, freshIp())).user.id).toBe(user.id);
  });

  it('does not count successful logins from a shared address', async () => {
    const ip = freshIp();
    const user = await api.createUser({ passwordHash });
    for (let i = 0; i < 20; i++) await login(user.email, PASSWORD, ip);
    await expectError(login(user.email, OTHER_PASSWORD, ip), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
  });

  it('callers without a known address share one bucket (fail closed)', async () => {
    const noIp = () =>
      api
        .anonymous()
        .auth.login({ identifier: `${uniqueName('anon')}@example.com`, password: OTHER_PASSWORD });
    for (let i = 0; i < 12; i++) await expectError(noIp(), 'UNAUTHORIZED');
    await expectError(noIp(), 'TOO_MANY_REQUESTS');
  });
});

describe('signup throttling per address', () => {
  it('limits sign-ups per IP and tells when to come back', async () => {
    const ip = freshIp();
    const signup = () =>
      api
        .anonymous({ req: { ip } })
        .auth.signup({ email: `${uniqueName()}@example.com`, password: PASSWORD });
    for (let i = 0; i < 3; i++) await signup();
    const error = await expectError(signup(), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    expect(retryAfterOf(error)).toBe(3600);
    const start = api.clock.now();
    try {
      api.clock.advance(3600_000);
      await signup();
    } finally {
      api.clock.set(start);
    }
  });
});

describe('device tokens (OWASP device cookies): strangers cannot lock the owner out', () => {
  type Sent = { deviceToken?: string; deviceCookie?: string; ip: string };
  const attempt = (identifier: string, password: string, sent: Sent, res = captureResponse().res) =>
    api
      .anonymous({ req: { ip: sent.ip }, res, credentials: { deviceCookie: sent.deviceCookie } })
      .auth.login({
        identifier,
        password,
        tokenDelivery: 'body',
        ...(sent.deviceToken ? { deviceToken: sent.deviceToken } : {}),
      })
      .then(signedIn);

  /** The owner signs in once from their own device: a native client's token and a browser's cookie. */
  async function ownerWithDevices() {
    const user = await api.createUser({ passwordHash });
    const native = await attempt(user.email, PASSWORD, { ip: freshIp() });
    expect(native.deviceToken).toMatch(/^ey/);
    const browser = captureResponse();
    const viaCookie = signedIn(
      await api
        .anonymous({ req: { ip: freshIp() }, res: browser.res })
        .auth.login({ identifier: user.email, password: PASSWORD }),
    );
    expect(viaCookie).not.toHaveProperty('deviceToken');
    const cookie = browser.cookies.map(parseSetCookie).find((c) => c.name === 'sb_dt')!;
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
    expect(Number(cookie.attributes['max-age'])).toBe(api.services.config.deviceTokenTtlSec);
    return { user, deviceToken: native.deviceToken!, deviceCookie: cookie.value };
  }

  /** 20 wrong guesses from four addresses: every untrusted bucket of the account ends up blocked. */
  async function strangerGuesses(identifier: string, times = 20) {
    const ips = [freshIp(), freshIp(), freshIp(), freshIp()];
    const codes: string[] = [];
    for (let i = 0; i < times; i++) {
      const error = await attempt(identifier, OTHER_PASSWORD, { ip: ips[Math.floor(i / 5)]! }).then(
        () => 'OK',
        (e: TRPCError) => e.code,
      );
      codes.push(error);
    }
    return codes;
  }

  it("a stranger's 20 wrong guesses leave the owner's known devices (token or cookie) free to sign in", async () => {
    const { user, deviceToken, deviceCookie } = await ownerWithDevices();
    const codes = await strangerGuesses(user.email);
    expect(codes).not.toContain('OK');
    expect(codes).toContain('TOO_MANY_REQUESTS');
    // A client without the device token is shut out for now, from any address...
    await expectError(attempt(user.email, PASSWORD, { ip: freshIp() }), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    // ...but the owner's own devices are not, even from an address the stranger used.
    const withToken = await attempt(user.username!, PASSWORD, { ip: freshIp(), deviceToken });
    expect(withToken.user.id).toBe(user.id);
    expect(withToken.deviceToken).toMatch(/^ey/);
    expect(withToken.deviceToken).not.toBe(deviceToken);
    const withCookie = await attempt(user.email, PASSWORD, { ip: freshIp(), deviceCookie });
    expect(withCookie.user.id).toBe(user.id);
  });

  it("strangers sharing the owner's address (NAT, office, carrier) exhaust it, and the known device still signs in", async () => {
    const { user, deviceToken } = await ownerWithDevices();
    const shared = freshIp();
    // Enough failures for unknown accounts to fill the address's own bucket (loginPerIp).
    for (let i = 0; i < LIMITS.loginPerIp.limit + 2; i++) {
      await attempt(`nobody${i}@example.com`, OTHER_PASSWORD, { ip: shared }).catch(() => undefined);
    }
    await expectError(attempt(user.email, PASSWORD, { ip: shared }), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    const signedIn = await attempt(user.email, PASSWORD, { ip: shared, deviceToken });
    expect(signedIn.user.id).toBe(user.id);
  });

  it("the device's own bucket still throttles wrong passwords sent with its token, and only that device", async () => {
    const { user, deviceToken } = await ownerWithDevices();
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      await expectError(attempt(user.email, OTHER_PASSWORD, { ip, deviceToken }), 'UNAUTHORIZED');
    }
    const error = await expectError(
      attempt(user.email, PASSWORD, { ip, deviceToken }),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
    expect(retryAfterOf(error)).toBe(1);
    expect(await failures(user.id)).toBe(5);
    // The guesses made with the device token counted against that device, not the account.
    expect((await attempt(user.email, PASSWORD, { ip })).user.id).toBe(user.id);
  });

  it('a device token of another account gives no bypass', async () => {
    const victim = await api.createUser({ passwordHash });
    const mallory = await ownerWithDevices();
    await strangerGuesses(victim.email);
    for (const sent of [{ deviceToken: mallory.deviceToken }, { deviceCookie: mallory.deviceCookie }]) {
      await expectError(attempt(victim.email, PASSWORD, { ip: freshIp(), ...sent }), 'TOO_MANY_REQUESTS');
    }
  });

  it('a forged, expired or wrong-kind token counts as none (and never as an error)', async () => {
    const { user, deviceToken } = await ownerWithDevices();
    const { accessToken } = await attempt(user.email, PASSWORD, { ip: freshIp() });
    const otherKey = await signDeviceToken(
      {
        config: {
          ...api.services.config,
          jwtKeys: [{ kid: 'k1', secret: new TextEncoder().encode('x'.repeat(48)) }],
        },
        now: api.clock.now(),
      },
      user.id,
    );
    const [, payload] = deviceToken.split('.');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"device+jwt"}').toString('base64url')}.${payload}.`;
    const tampered = `${deviceToken.slice(0, -2)}${deviceToken.endsWith('AA') ? 'BB' : 'AA'}`;
    await strangerGuesses(user.email);
    for (const forged of [
      otherKey.token,
      unsigned,
      tampered,
      accessToken!,
      'not-a-token',
      'x'.repeat(1024),
    ]) {
      await expectError(
        attempt(user.email, PASSWORD, { ip: freshIp(), deviceToken: forged }),
        'TOO_MANY_REQUESTS',
      );
      await expectError(
        attempt(user.email, PASSWORD, { ip: freshIp(), deviceCookie: forged }),
        'TOO_MANY_REQUESTS',
      );
    }
    // Hostile values are a validation error, not a 500.
    for (const bad of ['x'.repeat(1025), 'ey\u0000.x.y']) {
      await expectError(attempt(user.email, PASSWORD, { ip: freshIp(), deviceToken: bad }), 'BAD_REQUEST');
    }
    const start = api.clock.now();
    try {
      api.clock.advance((api.services.config.deviceTokenTtlSec + 60) * 1000);
      await strangerGuesses(user.email);
      await expectError(attempt(user.email, PASSWORD, { ip: freshIp(), deviceToken }), 'TOO_MANY_REQUESTS');
    } finally {
      api.clock.set(start);
    }
  });

  it('changing the password from a known browser is not blocked by a stranger either', async () => {
    const { user, deviceCookie } = await ownerWithDevices();
    const session = await attempt(user.email, PASSWORD, { ip: freshIp(), deviceCookie });
    await strangerGuesses(user.email);
    const ip = freshIp();
    const me = (withDevice: boolean) =>
      api.anonymous({
        req: { ip },
        credentials: { accessCookie: session.accessToken, ...(withDevice ? { deviceCookie } : {}) },
      });
    const change = { currentPassword: PASSWORD, newPassword: 'fresh tundra kettle 4' };
    await expectError(me(false).auth.changePassword(change), 'TOO_MANY_REQUESTS');
    await me(true).auth.changePassword(change);
  });
});
