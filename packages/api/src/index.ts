import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export { appRouter, type AppRouter } from './root.ts';
export { createCallerFactory } from './trpc.ts';
export {
  createContextInner,
  systemClock,
  type Caller,
  type Clock,
  type Context,
  type Credentials,
  type ProcedureObserver,
  type RequestInfo,
  type ResponseControl,
  type Services,
} from './context.ts';
export {
  API_DEFAULTS,
  defaultApiConfig,
  defaultJudgeWorkers,
  DEFAULT_RATE_LIMITS,
  type ApiConfig,
  type ApiDefaults,
  type RateLimitPolicy,
} from './config.ts';
export { ensureAdmin, type EnsureAdminResult } from './auth/admins.ts';
export { isCallerActive } from './auth/authenticate.ts';
export { isSessionActive, SESSION_REVOKED_EVENT } from './auth/sessions.ts';
export { DomainError } from './errors.ts';
export { createServices, type CreateServicesOptions } from './services.ts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
