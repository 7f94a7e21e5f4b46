import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root.ts';
import { appCodeOf, GENEROUS_LIMITS, signUp, withBearer } from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

/** The only procedures anyone may call signed out. Adding one here is a security decision. */
const PUBLIC = new Set([
  'auth.signup',
  'auth.login',
  // The second step of a login: the mfa token (from a right password) is its credential.
  'auth.mfa.verify',
  'auth.refresh',
  'auth.session',
  // A password reset proves who calls by its one-time token, or answers the same for any email.
  'auth.resetPassword',
  'auth.requestPasswordReset',
  'challenges.topics',
  'health.ping',
]);

/** Admin-only: every `admin.*` procedure, challenge authoring, and sending messages. */
const isAdminOnly = (path: string) =>
  path.startsWith('admin.') ||
  /^challenges\.(create|update|publish|archive|list|get)$/.test(path) ||
  path === 'inbox.send';

// The router as it is when the test runs, so procedures added later are walked too.
const paths = Object.keys(appRouter._def.procedures).sort();

type AnyCaller = Record<string, unknown>;

/** Calls a procedure by its dotted path with an input that is valid for none of them. */
async function callByPath(caller: AnyCaller, path: string): Promise<unknown> {
  const fn = path.split('.').reduce<unknown>((node, key) => (node as AnyCaller)[key], caller);
  return (fn as (input: unknown) => Promise<unknown>)({});
}

async function errorOf(promise: Promise<unknown>) {
  try {
    const value = await promise;
    // A subscription that got through returns its stream: close it.
    await (value as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator]?.().return?.();
    return undefined;
  } catch (error) {
    return error instanceof TRPCError
      ? error
      : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
  }
}

let api: TestApi;
let userToken: string;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
  userToken = (await signUp(api)).accessToken;
});
afterAll(() => api?.close());

describe('every procedure checks who calls it', () => {
  it('walks a router that has the auth and admin procedures', () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        'auth.me',
        'auth.logout',
        'auth.sessions.revokeOthers',
        'admin.users.setRole',
        'admin.apiKeys.create',
      ]),
    );
    for (const p of PUBLIC) expect(paths, `public procedure ${p} exists`).toContain(p);
  });

  it.each(paths.filter((p) => !PUBLIC.has(p)))(
    '%s refuses an anonymous caller with UNAUTHORIZED (before reading its input)',
    async (path) => {
      const error = await errorOf(callByPath(api.anonymous() as unknown as AnyCaller, path));
      expect(error?.code).toBe('UNAUTHORIZED');
      expect(appCodeOf(error!)).toBe('UNAUTHENTICATED');
    },
  );

  it.each(paths.filter(isAdminOnly))('%s refuses a signed-in plain user with FORBIDDEN', async (path) => {
    const error = await errorOf(callByPath(withBearer(api, userToken) as unknown as AnyCaller, path));
    expect(error?.code).toBe('FORBIDDEN');
  });

  // auth.refresh is public but needs its refresh token (refused without one: see auth-sessions).
  it.each([...PUBLIC].filter((p) => paths.includes(p) && p !== 'auth.refresh'))(
    '%s is open to anonymous callers (any refusal is about the input, not the caller)',
    async (path) => {
      const error = await errorOf(callByPath(api.anonymous() as unknown as AnyCaller, path));
      expect(error?.code === 'UNAUTHORIZED' && appCodeOf(error) === 'UNAUTHENTICATED').toBe(false);
    },
  );
});
