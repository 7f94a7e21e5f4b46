import type { AppRouter } from '@skillbytes/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';

export type AdminClient = TRPCClient<AppRouter>;

/** A typed client for the whole API. `token` is an API key or an access token, sent as a Bearer header. */
export function createAdminClient(url: string, getToken: () => string | undefined): AdminClient {
  const base = `${url.replace(/\/$/, '')}/trpc`;
  const headers = (): Record<string, string> => {
    const token = getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: base,
          transformer: superjson,
          // Node 20 has no EventSource; the ponyfill lets us send the Authorization header.
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                headers: { ...(init?.headers as Record<string, string>), ...headers() },
              }),
          }),
        }),
        false: httpBatchLink({ url: base, transformer: superjson, headers }),
      }),
    ],
  });
}
