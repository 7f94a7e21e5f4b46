import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './app-router.ts';

/** `RouterInputs['auth']['login']`: what a procedure takes. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** `RouterOutputs['auth']['me']`: what a procedure answers (Dates are Dates: superjson). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
