import type { Caller, Context, RequestInfo, Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { apiKeyCaller, isApiKeyActive, isApiKeyShaped } from './api-keys.ts';
import { isSessionActive, sessionCaller } from './sessions.ts';
import { verifyAccessToken } from './tokens.ts';

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

async function authenticate(ctx: Context): Promise<Caller> {
  const { bearer, accessCookie } = ctx.credentials;
  const svc = { db: ctx.db, config: ctx.config, now: ctx.now() };
  if (bearer && isApiKeyShaped(bearer)) return apiKeyCaller(svc, bearer);
  const token = bearer ?? accessCookie;
  if (!token) throw new DomainError('UNAUTHENTICATED', 'Sign in first');
  const claims = await verifyAccessToken(svc, token);
  return sessionCaller(svc, claims);
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
