import { schema } from '@skillbytes/db';
import type { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.ts';
import { DomainError } from '../src/errors.ts';
import {
  captureResponse,
  expectError,
  OTHER_PASSWORD,
  PASSWORD,
  uniqueName,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

const LIMITS = {
  loginPerAccount: { limit: 5, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
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
  api.anonymous({ req: { ip }, res }).auth.login({ identifier, password });

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

  it('counts email and username logins of one account together, from any address', async () => {
    const user = await api.createUser({ passwordHash });
    for (let i = 0; i < 5; i++) {
      const identifier = i % 2 ? user.email : user.username!.toUpperCase();
      await expectError(login(identifier, OTHER_PASSWORD, freshIp()), 'UNAUTHORIZED');
    }
    await expectError(login(user.username!, PASSWORD, freshIp()), 'TOO_MANY_REQUESTS');
  });

  it('gives an unknown identifier the same threshold, so a 429 reveals nothing', async () => {
    const ghost = `${uniqueName('ghost')}@example.com`;
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      await expectError(login(ghost, OTHER_PASSWORD, ip), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    }
    await expectError(login(ghost, OTHER_PASSWORD, ip), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
  });

  it('N + 5 concurrent wrong logins let exactly N reach the password check', async () => {
    const user = await api.createUser({ passwordHash });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => login(user.email, OTHER_PASSWORD, freshIp())),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as TRPCError).code : 'OK'));
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(5);
    expect(await failures(user.id)).toBe(5);
  });

  it('wrong current passwords in changePassword and deleteAccount count toward the same throttle', async () => {
    const user = await api.createUser({ passwordHash });
    const ip = freshIp();
    const { accessToken } = await api
      .anonymous({ req: { ip } })
      .auth.login({ identifier: user.email, password: PASSWORD, tokenDelivery: 'body' });
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
