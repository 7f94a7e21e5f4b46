import type { AppRouter } from '@skillbytes/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { loadSession, saveSession } from './session-store.ts';

export type AdminClient = TRPCClient<AppRouter>;

/**
 * A typed client for the whole API. `token` is an API key or an access token, sent as a Bearer header.
 * When the token is the saved login session's and the server refuses it (expired after ~15 minutes, or
 * otherwise unusable), the client rotates the saved refresh token once, saves the new pair, and retries.
 */
export function createAdminClient(url: string, getToken: () => string | undefined): AdminClient {
  const base = `${url.replace(/\/$/, '')}/trpc`;
  const headers = (): Record<string, string> => {
    const token = getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  return createTRPCClient<AppRouter>({
    links: [
      refreshOnUnauthorized(sessionRefresher(url, base, getToken)),
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

/** An access token the server refused as a credential (not a wrong password, not a forbidden action). */
function isRefusedCredential(error: unknown) {
  if (!(error instanceof TRPCClientError)) return false;
  const data = (error.data ?? {}) as { code?: string; appCode?: string };
  return data.code === 'UNAUTHORIZED' && data.appCode !== 'INVALID_CREDENTIALS';
}

/**
 * Rotates the saved session's refresh token. One rotation at a time per process: the calls of a batch
 * that all failed share it (two rotations of the same token would look like token theft to the server
 * and end the session).
 */
function sessionRefresher(url: string, base: string, getToken: () => string | undefined) {
  let pending: Promise<boolean> | undefined;
  const rotate = async (): Promise<boolean> => {
    const saved = loadSession(url);
    if (!saved?.refreshToken || getToken() !== saved.accessToken) return false;
    const res = await fetch(`${base}/auth.refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize({ refreshToken: saved.refreshToken, tokenDelivery: 'body' })),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { result?: { data?: unknown } };
    const data = superjson.deserialize(body.result?.data as never) as {
      accessToken?: string;
      refreshToken?: string;
    };
    if (!data.accessToken || !data.refreshToken) return false;
    saveSession({ ...saved, accessToken: data.accessToken, refreshToken: data.refreshToken });
    return true;
  };
  return () => {
    pending ??= rotate()
      .catch(() => false)
      .finally(() => {
        setTimeout(() => {
          pending = undefined;
        }, 0);
      });
    return pending;
  };
}

/** Retries a query or mutation once after a successful refresh. */
function refreshOnUnauthorized(refresh: () => Promise<boolean>): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let retried = false;
        let subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: function onError(error) {
            if (retried || op.type === 'subscription' || !isRefusedCredential(error)) {
              observer.error(error);
              return;
            }
            retried = true;
            refresh().then(
              (ok) => {
                if (!ok) return observer.error(error);
                subscription = next(op).subscribe({
                  next: (value) => observer.next(value),
                  complete: () => observer.complete(),
                  error: (e) => observer.error(e),
                });
              },
              () => observer.error(error),
            );
          },
        });
        return () => subscription.unsubscribe();
      });
}
