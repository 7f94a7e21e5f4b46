/**
 * One refresh at a time. The server treats a second refresh with the same refresh token as token
 * theft and ends the session (packages/api/src/auth/README.md), so every refresh of one session —
 * from concurrent requests, several clients in one page, or several tabs — runs under one lock: in a
 * browser the Web Locks API (`navigator.locks`, shared by the tabs of an origin), and in this realm a
 * queue per session. Whoever gets the lock first refreshes; a request that failed before that refresh
 * finished skips its own and retries with the new token. Tabs tell each other over a BroadcastChannel
 * that a refresh happened, so a tab that waited on the lock usually skips its refresh as well; when
 * the message comes late it refreshes once more with the cookie the first tab already rotated, which
 * the server accepts (the lock, not the message, is what keeps the session safe). Without Web Locks
 * (an insecure origin such as `http://192.168.x.y`) tabs cannot be serialised: develop on `localhost`.
 */

/** What a refresh came to: new tokens, a session that is over (sign in again), or no answer (network). */
export type RefreshOutcome = 'refreshed' | 'signed-out' | 'failed';

export type RefreshCoordinator = {
  /**
   * How many refreshes (here, failed ones included, or in other tabs) and sign-ins this client knows
   * of: note it when sending a request.
   */
  generation(): number;
  /**
   * Refreshes, unless one finished after `since` (a `generation()` value) — then answers that one's
   * outcome at once. `run` is called under the lock.
   */
  refresh(since: number, run: () => Promise<RefreshOutcome>): Promise<RefreshOutcome>;
  /**
   * New credentials arrived without a refresh (a sign-in here or, told over the channel, in another
   * tab): a generation like a refresh, and the end of a sign-out found earlier.
   */
  renewed(): void;
  /**
   * A request sent in generation `since` was told its session is over (SESSION_REVOKED, ...): as a
   * refresh that found it over, unless something renewed the session since. Cookie sessions only.
   */
  sessionOver(since: number): void;
  /** Called when this tab or another one finds that the session is over. */
  onSignedOut(listener: () => void): () => void;
};

type LockManagerLike = { request(name: string, callback: () => Promise<unknown>): Promise<unknown> };
type ChannelLike = {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
  /** Node only: a channel must not keep a script alive. */
  unref?(): void;
};
type ChannelConstructor = new (name: string) => ChannelLike;

/** Runtime look-ups: this package must type-check without the DOM library (Node consumers). */
const runtime = globalThis as {
  navigator?: { locks?: LockManagerLike };
  BroadcastChannel?: ChannelConstructor;
};

/** A queue: the lock of one coordinator in this realm (and the fallback where Web Locks are missing). */
function realmLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => {});
    return run;
  };
}

/** Web Locks around the realm's queue: other tabs wait on the first, this tab's calls on the second. */
function crossTabLock(name: string, inRealm: ReturnType<typeof realmLock>) {
  return <T>(fn: () => Promise<T>): Promise<T> =>
    inRealm(() => {
      const locks = runtime.navigator?.locks;
      if (!locks) return fn();
      let result: T;
      return locks
        .request(name, async () => {
          result = await fn();
        })
        .then(() => result);
    });
}

type Message = { type: 'refreshed' | 'signed-out' };
const isMessage = (data: unknown): data is Message =>
  typeof data === 'object' &&
  data !== null &&
  ((data as Message).type === 'refreshed' || (data as Message).type === 'signed-out');

/**
 * The coordinator for one session. `crossTab` (a cookie session in a browser: every tab of the origin
 * shares the cookies) uses Web Locks and a BroadcastChannel named after `name`. `scope` is what holds
 * the session's credentials — the browser's cookie store, a cookie jar's fetch, a token store — and
 * every client of this realm with the same scope and name shares one coordinator (several clients in
 * one page, React StrictMode's second one), while other scopes (another jar, another token pair)
 * never wait for or skip on each other.
 */
export function refreshCoordinator(
  name: string,
  opts: {
    scope: object;
    crossTab: boolean;
    /**
     * Cookie sessions: once the session was found over (by a refresh, or a request's answer), a
     * later TOKEN_EXPIRED (of a request sent after that) is final, and `onSignedOut` is not told
     * again, until `renewed()`. The server contradicts itself there (a cookie the browser cannot
     * drop), and asking again would loop: refresh, signed out, the app reads again, refresh...
     */
    remembersSignOut?: boolean;
  },
): RefreshCoordinator {
  let byName = coordinators.get(opts.scope);
  if (!byName) {
    byName = new Map();
    coordinators.set(opts.scope, byName);
  }
  let coordinator = byName.get(name);
  if (!coordinator) {
    const Channel = opts.crossTab ? runtime.BroadcastChannel : undefined;
    const channel = Channel ? new Channel(`skillbytes-refresh:${name}`) : null;
    channel?.unref?.();
    coordinator = createCoordinator(name, channel, opts.crossTab, opts.remembersSignOut ?? false);
    byName.set(name, coordinator);
  }
  return coordinator;
}

const coordinators = new WeakMap<object, Map<string, RefreshCoordinator>>();

function createCoordinator(
  name: string,
  channel: ChannelLike | null,
  isCrossTab: boolean,
  remembersSignOut: boolean,
): RefreshCoordinator {
  const inRealm = realmLock();
  const withLock = isCrossTab ? crossTabLock(`skillbytes-refresh:${name}`, inRealm) : inRealm;
  let generation = 0;
  let lastOutcome: RefreshOutcome = 'refreshed';

  const listeners = new Set<() => void>();
  const signedOut = () => {
    for (const listener of listeners) listener();
  };
  const record = (outcome: RefreshOutcome) => {
    const wasSignedOut = lastOutcome === 'signed-out';
    generation += 1;
    lastOutcome = outcome;
    if (outcome === 'signed-out' && !(remembersSignOut && wasSignedOut)) signedOut();
  };
  channel?.addEventListener('message', (event) => {
    if (isMessage(event.data)) record(event.data.type);
  });

  return {
    generation: () => generation,
    refresh(since, run) {
      return withLock(async () => {
        // A refresh finished after this request was sent: its outcome is this request's too. That
        // includes a failed one (network, 5xx): the requests sent before it share the failure
        // rather than each trying again against a server that is not answering.
        if (generation > since) return lastOutcome;
        if (remembersSignOut && lastOutcome === 'signed-out') return 'signed-out';
        const outcome = await run().catch((): RefreshOutcome => 'failed');
        record(outcome);
        // A failure is this tab's own (its network); the other tabs try for themselves.
        if (outcome !== 'failed') channel?.postMessage({ type: outcome } satisfies Message);
        return outcome;
      });
    },
    renewed() {
      record('refreshed');
      channel?.postMessage({ type: 'refreshed' } satisfies Message);
    },
    sessionOver(since) {
      // An answer to a request sent before a sign-in or refresh says nothing about the session now.
      if (!remembersSignOut || since !== generation || lastOutcome === 'signed-out') return;
      record('signed-out');
      channel?.postMessage({ type: 'signed-out' } satisfies Message);
    },
    onSignedOut(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
