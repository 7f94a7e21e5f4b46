import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { createElement, type ReactNode, useState } from 'react';
import type { AppRouter } from './app-router.ts';
import { type ClientOptions, createClient, type SkillBytesClient } from './create-client.ts';
import { appCodeOf } from './errors.ts';

/**
 * TanStack React Query bindings (tRPC's `createTRPCContext`): `useTRPC()` gives query and mutation
 * options (`useQuery(trpc.auth.session.queryOptions())`), `useTRPCClient()` the client itself.
 */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Answers worth trying again: not a refusal (4xx: signed out, forbidden, bad input, not found). */
function isRetryable(failureCount: number, error: unknown) {
  const status = (error as { data?: { httpStatus?: unknown } } | null)?.data?.httpStatus;
  const isRefusal = typeof status === 'number' && status >= 400 && status < 500;
  return failureCount < 2 && !isRefusal && appCodeOf(error) !== 'TOKEN_EXPIRED';
}

/** A QueryClient with the defaults the API suits: no retries of refusals, no refetch storm on focus. */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: isRetryable, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
}

export type SkillBytesProviderProps = {
  children?: ReactNode;
  /** Options for the client it makes (ignored when `client` is given); defaults to `{ url: '' }` (same origin). */
  options?: ClientOptions;
  client?: SkillBytesClient;
  queryClient?: QueryClient;
};

/** Makes (once) a QueryClient and a Skill Bytes client and provides both to the tree. */
export function SkillBytesProvider(props: SkillBytesProviderProps) {
  const [queryClient] = useState(() => props.queryClient ?? createQueryClient());
  const [client] = useState(() => props.client ?? createClient(props.options ?? { url: '' }));
  return createElement(
    QueryClientProvider,
    { client: queryClient },
    createElement(TRPCProvider, { trpcClient: client, queryClient, children: props.children }),
  );
}
