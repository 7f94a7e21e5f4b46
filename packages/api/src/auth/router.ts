import {
  ChangePasswordInput,
  DeleteAccountInput,
  IdInput,
  LoginInput,
  LogoutInput,
  MfaDisableInput,
  MfaEnableInput,
  MfaSetupInput,
  MfaVerifyInput,
  ReauthenticateInput,
  RefreshInput,
  RequestPasswordResetInput,
  ResetPasswordInput,
  SignupInput,
  UpdateProfileInput,
} from '@skillbytes/shared';
import type { Context, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { authedProcedure, createTRPCRouter, optionalAuthProcedure, publicProcedure } from '../trpc.ts';
import {
  changePassword,
  deleteAccount,
  getMe,
  getSession,
  logout,
  revokeOtherSessions,
  revokeOwnSession,
  updateProfile,
} from './account.ts';
import { clearAuthCookies, deliverDeviceToken, deliverTokens } from './cookies.ts';
import { login, type SignedIn } from './login.ts';
import { requestPasswordReset, resetPassword } from './password-reset.ts';
import { disableMfa, enableMfa, setupMfa } from './mfa.ts';
import { verifyMfaLogin } from './mfa-login.ts';
import { rotateRefresh } from './refresh.ts';
import { listSessions } from './sessions.ts';
import { signup } from './signup.ts';
import { reauthenticate } from './step-up.ts';

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
const authAnyone = optionalAuthProcedure.use(({ ctx, next }) => authResponseHeaders({ ctx, next }));

/** A refresh failed for a cookie-borne token: the browser should drop both cookies. */
const isDeadSession = (error: unknown) =>
  error instanceof DomainError &&
  ['INVALID_TOKEN', 'SESSION_REVOKED', 'SESSION_EXPIRED'].includes(error.appCode);

/** A sign-in's answer: the profile, the session tokens and the device token, each as the client asked. */
function signedInResponse(
  ctx: Context & { service: ServiceContext },
  signedIn: SignedIn,
  mode: 'cookie' | 'body',
) {
  const { isProduction } = ctx.config;
  const { now } = ctx.service;
  return {
    user: signedIn.user,
    ...deliverTokens(ctx.res, isProduction, signedIn.tokens, mode, now),
    ...deliverDeviceToken(ctx.res, isProduction, signedIn.device, mode, now),
  };
}

const sessionsRouter = createTRPCRouter({
  list: authUser.query(({ ctx }) => listSessions(ctx.service)),

  revoke: authUser.input(IdInput).mutation(async ({ ctx, input }) => {
    const { current } = await revokeOwnSession(ctx.service, input);
    if (current) clearAuthCookies(ctx.res, ctx.config.isProduction);
    return { revoked: 1, current };
  }),

  revokeOthers: authUser.mutation(({ ctx }) => revokeOtherSessions(ctx.service)),
});

const mfaRouter = createTRPCRouter({
  setup: authUser.input(MfaSetupInput).mutation(({ ctx, input }) => setupMfa(ctx.service, input)),

  enable: authUser.input(MfaEnableInput).mutation(({ ctx, input }) => enableMfa(ctx.service, input)),

  disable: authUser.input(MfaDisableInput).mutation(async ({ ctx, input }) => {
    await disableMfa(ctx.service, input);
    return { ok: true as const };
  }),

  /** The second step of a login that answered `mfaRequired`: answers what a login answers on success. */
  verify: authPublic.input(MfaVerifyInput).mutation(async ({ ctx, input }) => {
    const { signedIn, tokenDelivery } = await verifyMfaLogin(ctx.service, input);
    return signedInResponse(ctx, signedIn, tokenDelivery);
  }),
});

export const authRouter = createTRPCRouter({
  signup: authPublic
    .input(SignupInput)
    .mutation(async ({ ctx, input }) =>
      signedInResponse(ctx, await signup(ctx.service, input), input.tokenDelivery),
    ),

  /** With TOTP on, the right password answers `{mfaRequired: true, mfaToken, expiresAt}`: see `mfa.verify`. */
  login: authPublic.input(LoginInput).mutation(async ({ ctx, input }) => {
    const result = await login(ctx.service, input);
    if ('mfaRequired' in result) return result;
    return signedInResponse(ctx, result, input.tokenDelivery);
  }),

  refresh: authPublic.input(RefreshInput).mutation(async ({ ctx, input }) => {
    const fromBody = input?.refreshToken;
    const token = fromBody ?? ctx.credentials.refreshCookie;
    if (!token) throw new DomainError('UNAUTHENTICATED', 'No refresh token: sign in again');
    try {
      const tokens = await rotateRefresh(ctx.service, token);
      // A token that came from the cookie goes back as a cookie: script never gets to read it.
      const mode = fromBody && input?.tokenDelivery === 'body' ? 'body' : 'cookie';
      return deliverTokens(ctx.res, ctx.config.isProduction, tokens, mode, ctx.service.now);
    } catch (error) {
      if (!fromBody && isDeadSession(error)) clearAuthCookies(ctx.res, ctx.config.isProduction);
      throw error;
    }
  }),

  /**
   * Signs this session out: with the access token, or with the refresh token alone (cookie, or
   * `refreshToken` for native clients) once the access token expired. Both cookies are expired
   * whatever happens.
   */
  logout: authAnyone.input(LogoutInput).mutation(async ({ ctx, input }) => {
    try {
      const refreshToken = input?.refreshToken ?? ctx.credentials.refreshCookie;
      await logout(ctx.service, { refreshToken, refusal: ctx.refusal });
    } finally {
      clearAuthCookies(ctx.res, ctx.config.isProduction);
    }
    return { ok: true as const };
  }),

  me: authUser.query(({ ctx }) => getMe(ctx.service)),

  /**
   * The signed-in profile, or null (a first visit is no error). An expired access token of a live
   * session is TOKEN_EXPIRED, so the client refreshes instead of concluding it is signed out; cookies
   * that sign nobody in are expired.
   */
  session: authAnyone.query(({ ctx }) => {
    if (ctx.refusal?.appCode === 'TOKEN_EXPIRED') throw ctx.refusal;
    if (ctx.refusal && ctx.req.viaCookie) clearAuthCookies(ctx.res, ctx.config.isProduction);
    return getSession(ctx.service);
  }),

  updateProfile: authUser
    .input(UpdateProfileInput)
    .mutation(({ ctx, input }) => updateProfile(ctx.service, input)),

  changePassword: authUser.input(ChangePasswordInput).mutation(async ({ ctx, input }) => {
    const tokens = await changePassword(ctx.service, input);
    // Tokens in the body only for a Bearer (native) client that asked; a cookie session stays cookies.
    const mode = input.tokenDelivery === 'body' && ctx.credentials.bearer ? 'body' : 'cookie';
    return deliverTokens(ctx.res, ctx.config.isProduction, tokens, mode, ctx.service.now);
  }),

  sessions: sessionsRouter,

  mfa: mfaRouter,

  reauthenticate: authUser
    .input(ReauthenticateInput)
    .mutation(({ ctx, input }) => reauthenticate(ctx.service, input)),

  deleteAccount: authUser.input(DeleteAccountInput).mutation(async ({ ctx, input }) => {
    await deleteAccount(ctx.service, input);
    clearAuthCookies(ctx.res, ctx.config.isProduction);
    return { ok: true as const, restorableForDays: ctx.config.deletionGraceDays };
  }),

  /** Opens no session: every session of the user ends, and they sign in with the new password. */
  resetPassword: authPublic
    .input(ResetPasswordInput)
    .mutation(({ ctx, input }) => resetPassword(ctx.service, input)),

  requestPasswordReset: authPublic
    .input(RequestPasswordResetInput)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.service, input)),
});
