import type { SignupInput } from '@skillbytes/shared';
import { DEFAULT_RATE_LIMITS } from '../src/config.ts';
import type { CreateContextInnerOptions, ResponseControl } from '../src/context.ts';
import type { TestApi } from './helpers.ts';

/** Strong enough for the estimator, distinct from each other. */
export const PASSWORD = 'vivid tundra marble kettle';
export const OTHER_PASSWORD = 'saffron quarry lantern 93';

/** Limits high enough that only the rate-limit tests ever meet them. */
export const GENEROUS_LIMITS = {
  ...DEFAULT_RATE_LIMITS,
  loginPerAccount: { ...DEFAULT_RATE_LIMITS.loginPerAccount, limit: 1000 },
  loginUntrustedPerAccount: { ...DEFAULT_RATE_LIMITS.loginUntrustedPerAccount, limit: 1000 },
  loginPerIp: { ...DEFAULT_RATE_LIMITS.loginPerIp, limit: 100_000 },
  signupPerIp: { ...DEFAULT_RATE_LIMITS.signupPerIp, limit: 100_000 },
};

/** A response that records what procedures set. */
export function captureResponse() {
  const headers = new Map<string, string>();
  const cookies: string[] = [];
  const res: ResponseControl = {
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
    setCookie: (value) => cookies.push(value),
  };
  return { res, headers, cookies };
}

let counter = 0;
export function uniqueName(prefix = 'u') {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** Signs a fresh account up through `auth.signup` (native delivery) and returns its tokens. */
export async function signUp(
  api: TestApi,
  input: Partial<SignupInput> = {},
  ctx: Omit<CreateContextInnerOptions, 'services'> = {},
) {
  const name = uniqueName();
  const result = await api.anonymous(ctx).auth.signup({
    email: `${name}@example.com`,
    username: name,
    password: PASSWORD,
    tokenDelivery: 'body',
    ...input,
  });
  return {
    user: result.user,
    accessToken: result.accessToken!,
    refreshToken: result.refreshToken!,
    password: input.password ?? PASSWORD,
  };
}

/**
 * A login's answer when it opened a session: fails the test on `mfaRequired` (the account has TOTP on)
 * and narrows the union `auth.login` answers to the signed-in one.
 */
export function signedIn<R>(result: R): Exclude<R, { mfaRequired: true }> {
  if (typeof result === 'object' && result !== null && 'mfaRequired' in result) {
    throw new Error('expected a signed-in answer, got mfaRequired');
  }
  return result as Exclude<R, { mfaRequired: true }>;
}

/** A caller that presents this access token (or API key) as `Authorization: Bearer`. */
export function withBearer(
  api: TestApi,
  token: string,
  ctx: Omit<CreateContextInnerOptions, 'services'> = {},
) {
  return api.anonymous({ ...ctx, credentials: { bearer: token } });
}

export { appCodeOf, expectTrpcError as expectError } from './trpc-errors.ts';

/** Parses one Set-Cookie value into its name, value and attributes (lower-cased keys). */
export function parseSetCookie(header: string) {
  const [pair = '', ...attrs] = header.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const i = a.indexOf('=');
    if (i === -1) attributes[a.toLowerCase()] = true;
    else attributes[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), attributes };
}
