import type { Caller, Context } from '../context.ts';
import { DomainError } from '../errors.ts';

/**
 * Resolves the caller of a procedure that needs one. Tests may pre-set `ctx.caller`; otherwise the
 * request's credentials are checked.
 */
export async function resolveCaller(ctx: Context): Promise<Caller> {
  if (ctx.caller) return ctx.caller;
  const { bearer, accessCookie } = ctx.credentials;
  if (!bearer && !accessCookie) throw new DomainError('UNAUTHENTICATED', 'Sign in first');
  throw new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
}
