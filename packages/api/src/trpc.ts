/**
 * tRPC setup, top to bottom:
 * 1. initialisation: the superjson wire format, the error formatter, SSE options
 * 2. middleware: error mapping and timing on every procedure, authentication, roles
 * 3. the procedures routers are built from: public, authed, admin
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { resolveCaller, resolveOptionalCaller } from './auth/authenticate.ts';
import { type Caller, type Context, serviceContext } from './context.ts';
import { DomainError, defaultAppCode, toTRPCError } from './errors.ts';
import { transformer } from './lib/wire.ts';

// 1. initialisation ----------------------------------------------------------------------------

const t = initTRPC.context<Context>().create({
  // superjson on the wire; what we answer is serialized by a faster walk of the same format.
  transformer,
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 45_000 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const appCode = cause instanceof DomainError ? cause.appCode : defaultAppCode(error.code);
    const isInternal = error.code === 'INTERNAL_SERVER_ERROR';
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      // An internal error's message may be a database or library message: never echo it.
      message: isInternal ? 'Internal server error' : shape.message,
      data: {
        ...data,
        appCode,
        ...(cause instanceof DomainError && cause.details ? { details: cause.details } : {}),
        ...(cause instanceof z.ZodError ? { zodIssues: z.flattenError(cause) } : {}),
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// 2. middleware ------------------------------------------------------------------------------------

/**
 * Runs around every procedure. `next()` does not throw when the resolver fails; it returns
 * `{ ok: false, error }`, so errors are mapped by inspecting the result.
 */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const start = performance.now();
  const result = await next({ ctx: { service: serviceContext(ctx, ctx.caller) } });
  const durationMs = performance.now() - start;
  ctx.onProcedure?.(path, type, durationMs, result.ok);
  if (result.ok) return result;
  const error = toTRPCError(result.error);
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    ctx.logger.error({ err: error.cause ?? error, path }, 'procedure failed');
  }
  return { ...result, error };
});

const authenticated = t.middleware(async ({ ctx, next }) => {
  const caller = await resolveCaller(ctx);
  return next({ ctx: { caller, service: serviceContext(ctx, caller) } });
});

/** The caller when the credentials are good; else `caller: null` and `refusal`, the reason (null: none sent). */
const optionallyAuthenticated = t.middleware(async ({ ctx, next }) => {
  const { caller, refusal } = await resolveOptionalCaller(ctx);
  return next({ ctx: { caller, refusal, service: serviceContext(ctx, caller) } });
});

/**
 * Admins only. Each admin mutation writes its own audit row inside its own transaction (authoring,
 * inbox.send, roles, sessions, keys): one row per action, committed with it or not at all.
 */
const adminOnly = t.middleware(async ({ ctx, next, path }) => {
  const caller = ctx.caller as Caller;
  const isAdmin = caller.role === 'admin' && (caller.kind === 'session' || caller.scopes.includes('admin'));
  if (!isAdmin) {
    ctx.logger.warn(
      { userId: caller.userId, keyId: caller.kind === 'apiKey' ? caller.keyId : undefined, path },
      'authz_fail',
    );
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Admins only',
      cause: new DomainError('FORBIDDEN', 'Admins only'),
    });
  }
  return next({ ctx: { caller } });
});

// 3. procedures ----------------------------------------------------------------------------------------

export const publicProcedure = t.procedure.use(observed);
/** Anyone; `ctx.caller` is the signed-in caller or null, and `ctx.refusal` why it is null. */
export const optionalAuthProcedure = publicProcedure.use(optionallyAuthenticated);
/** A signed-in user (session) or an API key; `ctx.caller` is set. */
export const authedProcedure = publicProcedure.use(authenticated);
/** Role admin (a session of an admin, or an admin's API key with the admin scope). */
export const adminProcedure = authedProcedure.use(adminOnly);
