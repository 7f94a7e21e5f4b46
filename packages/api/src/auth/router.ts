import {
  ChangePasswordInput,
  DeleteAccountInput,
  IdInput,
  LoginInput,
  RefreshInput,
  SignupInput,
  UpdateProfileInput,
} from '@skillbytes/shared';
import type { Context } from '../context.ts';
import { DomainError } from '../errors.ts';
import { authedProcedure, createTRPCRouter, publicProcedure } from '../trpc.ts';
import {
  changePassword,
  deleteAccount,
  getProfile,
  revokeOtherSessions,
  revokeOwnSession,
  updateProfile,
} from './account.ts';
import { clearAuthCookies, deliverTokens } from './cookies.ts';
import { authEnv } from './env.ts';
import { login, logout, signup } from './login.ts';
import { listSessions, rotateRefresh } from './sessions.ts';

/**
 * Auth responses are never cached, and a throttled call says when to come back (`Retry-After`, also
 * in `error.data.details.retryAfter`).
 */
async function authResponseHeaders<R extends { ok: boolean; error?: { cause?: unknown } }>(opts: {
  ctx: Context;
  next: () => Promise<R>;
}): Promise<R> {
  opts.ctx.res.setHeader('cache-control', 'no-store');
  const result = await opts.next();
  const cause = result.ok ? undefined : result.error?.cause;
  if (cause instanceof DomainError && cause.appCode === 'RATE_LIMITED') {
    const retryAfter = cause.details?.retryAfter;
    if (typeof retryAfter === 'number') opts.ctx.res.setHeader('retry-after', String(retryAfter));
  }
  return result;
}

const authPublic = publicProcedure.use(({ ctx, next }) => authResponseHeaders({ ctx, next }));
const authUser = authedProcedure.use(({ ctx, next }) => authResponseHeaders({ ctx, next }));

/** A refresh failed for a cookie-borne token: the browser should drop both cookies. */
const isDeadSession = (error: unknown) =>
  error instanceof DomainError &&
  ['INVALID_TOKEN', 'SESSION_REVOKED', 'SESSION_EXPIRED'].includes(error.appCode);

const sessionsRouter = createTRPCRouter({
  list: authUser.query(({ ctx }) =>
    listSessions(
      ctx.db,
      ctx.caller.userId,
      ctx.caller.kind === 'session' ? ctx.caller.sessionId : null,
      ctx.now(),
      ctx.config.sessionIdleTtlSec,
    ),
  ),

  revoke: authUser.input(IdInput).mutation(async ({ ctx, input }) => {
    const { current } = await revokeOwnSession(authEnv(ctx), ctx.caller, input.id);
    if (current) clearAuthCookies(ctx.res, ctx.config.isProduction);
    return { revoked: 1, current };
  }),

  revokeOthers: authUser.mutation(({ ctx }) => revokeOtherSessions(authEnv(ctx), ctx.caller)),
});

export const authRouter = createTRPCRouter({
  signup: authPublic.input(SignupInput).mutation(async ({ ctx, input }) => {
    const env = authEnv(ctx);
    const { user, tokens } = await signup(env, input);
    return { user, ...deliverTokens(ctx.res, ctx.config.isProduction, tokens, input.tokenDelivery, env.now) };
  }),

  login: authPublic.input(LoginInput).mutation(async ({ ctx, input }) => {
    const env = authEnv(ctx);
    const { user, tokens } = await login(env, input);
    return { user, ...deliverTokens(ctx.res, ctx.config.isProduction, tokens, input.tokenDelivery, env.now) };
  }),

  refresh: authPublic.input(RefreshInput).mutation(async ({ ctx, input }) => {
    const env = authEnv(ctx);
    const fromBody = input?.refreshToken;
    const token = fromBody ?? ctx.credentials.refreshCookie;
    if (!token) throw new DomainError('UNAUTHENTICATED', 'No refresh token: sign in again');
    try {
      const tokens = await rotateRefresh(env, token);
      // A token that came from the cookie goes back as a cookie: script never gets to read it.
      const mode = fromBody && input?.tokenDelivery === 'body' ? 'body' : 'cookie';
      return deliverTokens(ctx.res, ctx.config.isProduction, tokens, mode, env.now);
    } catch (error) {
      if (!fromBody && isDeadSession(error)) clearAuthCookies(ctx.res, ctx.config.isProduction);
      throw error;
    }
  }),

  logout: authUser.mutation(async ({ ctx }) => {
    await logout(authEnv(ctx), ctx.caller);
    clearAuthCookies(ctx.res, ctx.config.isProduction);
    return { ok: true as const };
  }),

  me: authUser.query(({ ctx }) => getProfile(ctx.db, ctx.caller.userId)),

  updateProfile: authUser
    .input(UpdateProfileInput)
    .mutation(({ ctx, input }) => updateProfile(authEnv(ctx), ctx.caller, input)),

  changePassword: authUser.input(ChangePasswordInput).mutation(async ({ ctx, input }) => {
    const env = authEnv(ctx);
    const tokens = await changePassword(env, ctx.caller, input);
    // Tokens in the body only for a Bearer (native) client that asked; a cookie session stays cookies.
    const mode = input.tokenDelivery === 'body' && ctx.credentials.bearer ? 'body' : 'cookie';
    return deliverTokens(ctx.res, ctx.config.isProduction, tokens, mode, env.now);
  }),

  sessions: sessionsRouter,

  deleteAccount: authUser.input(DeleteAccountInput).mutation(async ({ ctx, input }) => {
    await deleteAccount(authEnv(ctx), ctx.caller, input);
    clearAuthCookies(ctx.res, ctx.config.isProduction);
    return { ok: true as const, restorableForDays: ctx.config.deletionGraceDays };
  }),
});
