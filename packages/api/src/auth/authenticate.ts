import type { AppCode } from '@skillbytes/shared';
import type { Caller, Context, RequestInfo, Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { apiKeyCaller, isApiKeyActive, isApiKeyShaped } from './api-keys.ts';
import { isSessionActive, refreshCookieRefusal, sessionCaller } from './sessions.ts';
import { ExpiredAccessToken, verifyAccessToken } from './tokens.ts';

/** One resolution per HTTP request, shared by the calls of a batch. */
const resolved = new WeakMap<RequestInfo, Promise<Caller>>();

/**
 * Resolves the caller of a procedure that needs one. Tests may pre-set `ctx.caller`; otherwise the
 * request's credentials are checked: an API key (`Authorization: Bearer sbk_...` only, never a cookie),
 * or an access token (Bearer, or the HttpOnly cookie; SSE subscriptions use the cookie). Every check
 * reaches the database, so revocation is immediate on every process.
 */
export function resolveCaller(ctx: Context): Promise<Caller> {
  if (ctx.caller) return Promise.resolve(ctx.caller);
  let pending = resolved.get(ctx.req);
  if (!pending) {
    pending = authenticate(ctx);
    resolved.set(ctx.req, pending);
  }
  return pending;
}

/**
 * TOKEN_EXPIRED tells a client that a refresh may help: an expired access token of a session that is
 * still live, or no access token next to a refresh cookie that proves a live session (the browser
 * drops the access cookie when its Max-Age, the token's lifetime, is over). A dead session answers
 * SESSION_REVOKED/SESSION_EXPIRED at once, whatever the token's age, and a refresh cookie that proves
 * nothing INVALID_TOKEN, so a client does not refresh in vain. Checking an expired token's session
 * does not count as using it (no idle-time bump).
 */
async function authenticate(ctx: Context): Promise<Caller> {
  const { bearer, accessCookie, refreshCookie } = ctx.credentials;
  const svc = { db: ctx.db, config: ctx.config, now: ctx.now() };
  if (bearer && isApiKeyShaped(bearer)) return apiKeyCaller(svc, bearer);
  const token = bearer ?? accessCookie;
  if (!token) {
    if (refreshCookie) throw await refreshCookieRefusal(svc, refreshCookie);
    throw new DomainError('UNAUTHENTICATED', 'Sign in first');
  }
  try {
    return await sessionCaller(svc, await verifyAccessToken(svc, token));
  } catch (error) {
    if (error instanceof ExpiredAccessToken) await sessionCaller(svc, error.claims, { touch: false });
    throw error;
  }
}

/** The refusals that mean "these credentials do not sign anyone in" (as opposed to a failure of ours). */
const AUTH_REFUSALS: ReadonlySet<AppCode> = new Set<AppCode>([
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'INVALID_TOKEN',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
]);

export type OptionalCaller =
  | { caller: Caller; refusal: null }
  /** `refusal` is null when the request carried no credentials at all. */
  | { caller: null; refusal: DomainError | null };

/**
 * For procedures anyone may call that act on a caller when there is one (`auth.session`,
 * `auth.logout`): the caller, or why the request's credentials did not resolve to one.
 */
export async function resolveOptionalCaller(ctx: Context): Promise<OptionalCaller> {
  const { bearer, accessCookie, refreshCookie } = ctx.credentials;
  if (!ctx.caller && !bearer && !accessCookie && !refreshCookie) return { caller: null, refusal: null };
  try {
    return { caller: await resolveCaller(ctx), refusal: null };
  } catch (error) {
    if (error instanceof DomainError && AUTH_REFUSALS.has(error.appCode))
      return { caller: null, refusal: error };
    throw error;
  }
}

/**
 * For long-lived work started by a caller (subscriptions): is its session or API key still good? The
 * same facts the per-request check uses, without the idle-time bump.
 */
export function isCallerActive(svc: Pick<Service, 'db' | 'now' | 'caller'>): Promise<boolean> {
  const { caller } = svc;
  return caller.kind === 'session'
    ? isSessionActive(svc, caller.sessionId)
    : isApiKeyActive(svc, caller.keyId);
}
