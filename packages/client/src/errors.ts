// The errors module alone: the kit must not pull zod (the schemas) into a browser bundle.
import { type AppCode, isAppCode } from '@skillbytes/shared/errors';

/**
 * The stable `data.appCode` of an error from the API (`@skillbytes/shared`'s APP_ERRORS), or
 * undefined for anything else (a network failure, a bug).
 */
export function appCodeOf(error: unknown): AppCode | undefined {
  const data = (error as { data?: { appCode?: unknown } } | null)?.data;
  return isAppCode(data?.appCode) ? data.appCode : undefined;
}

/** The server's answer when the access token expired but a refresh may succeed. */
export const isTokenExpired = (error: unknown) => appCodeOf(error) === 'TOKEN_EXPIRED';

/** The answers that mean the session is over: sign in again. */
const SIGNED_OUT: ReadonlySet<AppCode> = new Set<AppCode>([
  'UNAUTHENTICATED',
  'INVALID_TOKEN',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
]);

/** The answers of a request (not of a refresh) that mean its session is over. */
const SESSION_OVER: ReadonlySet<AppCode> = new Set<AppCode>([
  'INVALID_TOKEN',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
]);

export const isSessionOver = (error: unknown) => {
  const code = appCodeOf(error);
  return code !== undefined && SESSION_OVER.has(code);
};

export const isSignedOut = (error: unknown) => {
  const code = appCodeOf(error);
  return code !== undefined && SIGNED_OUT.has(code);
};

/** An error the server sent (it has `data`), as opposed to a connection that failed or was refused. */
export const isServerError = (error: unknown) =>
  typeof (error as { data?: unknown } | null)?.data === 'object' &&
  (error as { data?: unknown }).data !== null;
