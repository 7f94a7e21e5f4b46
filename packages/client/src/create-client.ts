import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import type { AppRouter } from './app-router.ts';
import { type TokenStore, tokenCaptureLink } from './bearer-tokens.ts';
import { isSignedOut } from './errors.ts';
import { type RefreshOutcome, refreshCoordinator } from './refresh-coordinator.ts';
import { refreshLink } from './refresh-link.ts';

export type SkillBytesClient = TRPCClient<AppRouter>;

/** What fetch needs to be here: the global one, or one that keeps cookies (tests, Node). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Accepts the DOM's typed listeners, the ponyfill's and tRPC's `EventSourceLike` alike. */
type EventSourceListener = (event: object) => void;

/** An EventSource class: the browser's, or a ponyfill for Node (the `eventsource` package). */
export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean; fetch?: FetchLike },
) => {
  readonly CLOSED: number;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readyState: number;
  addEventListener(type: string, listener: EventSourceListener): void;
  removeEventListener(type: string, listener: EventSourceListener): void;
  close(): void;
};

export type ClientOptions = {
  /**
   * The API: the server's origin (`http://127.0.0.1:3000`), `''` for the page's own origin (the
   * server or a dev proxy), or the tRPC endpoint itself (anything ending in `/trpc`).
   */
  url: string;
  /**
   * Bearer mode (Node, the CLI): the token pair lives here, requests send `Authorization: Bearer`,
   * and sign-in answers are captured when asked with `tokenDelivery: 'body'`. Without it the client
   * is in cookie mode (browsers): the server's HttpOnly cookies, `credentials: 'include'`.
   */
  tokens?: TokenStore;
  /**
   * Defaults to the global fetch, whose cookies every tab shares: refreshes then take turns across
   * tabs. A fetch of your own (a cookie jar in Node) holds its own cookies: the clients given the same
   * function take turns with each other only.
   */
  fetch?: FetchLike;
  /** Defaults to the global EventSource; Node 20 has none: pass the `eventsource` package's. */
  EventSource?: EventSourceConstructor;
  /** Extra headers for every request. */
  headers?: () => Record<string, string>;
  /** The session is over (a refresh was refused, here or in another tab): show the sign-in page. */
  onSignedOut?: () => void;
  /** Calls per batched request; the server takes at most 20. */
  maxBatchSize?: number;
};

/** The browser's cookie store, as the scope of the sessions that live in it. */
const browserCookies = {};

/** `''`, an origin, or an endpoint → the tRPC endpoint. */
function endpointOf(url: string) {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/trpc') ? trimmed : `${trimmed}/trpc`;
}

/**
 * A typed client for the Skill Bytes API: superjson, batching, subscriptions over SSE, and
 * transparent refresh (one at a time across requests and tabs; see refresh-coordinator.ts).
 */
export function createClient(options: ClientOptions): SkillBytesClient {
  const url = endpointOf(options.url);
  const store = options.tokens;
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const fetchWithCredentials: FetchLike = store
    ? baseFetch
    : (input, init) => baseFetch(input, { ...init, credentials: 'include' });
  const headers = () => {
    const access = store?.get()?.accessToken;
    return { ...options.headers?.(), ...(access ? { authorization: `Bearer ${access}` } : {}) };
  };

  // Who holds the credentials decides who must take turns: the browser's cookie store (every tab:
  // Web Locks), a cookie jar's fetch (the clients sharing it), a token store (its clients).
  const scope = store ?? options.fetch ?? browserCookies;
  const coordinator = refreshCoordinator(url, {
    scope,
    crossTab: scope === browserCookies,
    // A token store forgets a dead pair, so its later requests are not TOKEN_EXPIRED; a cookie may stay.
    remembersSignOut: !store,
  });
  if (options.onSignedOut) coordinator.onSignedOut(options.onSignedOut);

  const refresher = createTRPCClient<AppRouter>({
    links: [httpLink({ url, transformer: superjson, fetch: fetchWithCredentials, headers })],
  });
  const refresh = async (): Promise<RefreshOutcome> => {
    const refreshToken = store?.get()?.refreshToken;
    if (store && !refreshToken) return 'signed-out';
    try {
      const tokens = await refresher.auth.refresh.mutate(
        refreshToken ? { refreshToken, tokenDelivery: 'body' } : undefined,
      );
      if (store && tokens.accessToken && tokens.refreshToken) {
        store.set({
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresAt: tokens.expiresAt,
        });
      }
      return 'refreshed';
    } catch (error) {
      if (!isSignedOut(error)) return 'failed';
      store?.set(null);
      return 'signed-out';
    }
  };

  const EventSourceClass =
    options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
  // Browsers' EventSource ignores `fetch`; the Node ponyfill uses it, which is how Bearer mode (and
  // a test's cookie jar) reaches event streams. Read at every connection, so a refreshed token is used.
  const sseFetch: FetchLike = (input, init) =>
    fetchWithCredentials(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string>), ...headers() },
    });

  const links: TRPCLink<AppRouter>[] = [refreshLink({ coordinator, refresh })];
  if (store) links.push(tokenCaptureLink(store));
  links.push(
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: EventSourceClass
        ? httpSubscriptionLink({
            url,
            transformer: superjson,
            EventSource: EventSourceClass,
            eventSourceOptions: () => ({ withCredentials: true, fetch: sseFetch }),
          })
        : missingEventSource,
      false: httpBatchLink({
        url,
        transformer: superjson,
        fetch: fetchWithCredentials,
        headers,
        maxItems: options.maxBatchSize ?? 20,
        maxURLLength: 4000,
      }),
    }),
  );
  return createTRPCClient<AppRouter>({ links });
}

/** Node 20 has no EventSource: a subscription says so instead of failing obscurely. */
const missingEventSource: TRPCLink<AppRouter> = () => () =>
  observable((observer) => {
    const message = 'No EventSource here: pass one to createClient (the eventsource package, in Node)';
    observer.error(TRPCClientError.from(new Error(message)));
  });
