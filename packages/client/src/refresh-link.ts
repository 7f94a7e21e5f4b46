import type {
  Operation,
  OperationResultEnvelope,
  OperationResultObservable,
  TRPCClientError,
  TRPCLink,
} from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { isServerError, isSessionOver, isTokenExpired } from './errors.ts';
import type { RefreshCoordinator, RefreshOutcome } from './refresh-coordinator.ts';

export type RefreshLinkOptions = {
  coordinator: RefreshCoordinator;
  /** One call of `auth.refresh` (run under the coordinator's lock). */
  refresh: () => Promise<RefreshOutcome>;
  /** Waits between reconnections of a subscription whose connection failed: first, then doubling up to max. */
  reconnectDelayMs?: { first: number; max: number };
};

/**
 * Queries and mutations that fail with TOKEN_EXPIRED wait for one refresh (shared by every request
 * that failed meanwhile, whether it succeeds or fails) and are sent once more; the retry's answer is
 * final. An access token is
 * checked before any procedure runs, so a refused mutation did nothing and may be sent again.
 * After a refresh that found the session over, the retry answers as a signed-out call would
 * (`auth.session` with null), so callers see one consistent state.
 *
 * Subscriptions are resumed from their last `tracked()` event id: after TOKEN_EXPIRED (re-authenticated
 * by a refresh, once per connection), and after their connection failed for good once they had
 * started (a server restart: the EventSource gives up on a 503 while the server shuts down).
 */
/** Mutations whose success hands out a new session: what a refresh found over is no longer so. */
const SIGNS_IN = new Set(['auth.login', 'auth.mfa.verify', 'auth.signup', 'auth.changePassword']);

/** A login of an account with MFA on answers `mfaRequired` and opens no session (auth.mfa.verify does). */
const opensSession = (path: string, data: unknown) =>
  SIGNS_IN.has(path) && !(typeof data === 'object' && data !== null && 'mfaRequired' in data);

export function refreshLink<TRouter extends AnyTRPCRouter>(opts: RefreshLinkOptions): TRPCLink<TRouter> {
  const { coordinator } = opts;
  const delays = opts.reconnectDelayMs ?? { first: 250, max: 10_000 };
  const refreshAfter = (since: number) => coordinator.refresh(since, opts.refresh);

  return () =>
    ({ op, next }) => {
      if (op.type === 'subscription') return resumable(op, next, { coordinator, refreshAfter, delays });
      return observable((observer) => {
        let current: Unsubscribable | undefined;
        let isClosed = false;
        const send = (isRetry: boolean) => {
          const since = coordinator.generation();
          current = next(op).subscribe({
            next(envelope) {
              const data = (envelope.result as { data?: unknown }).data;
              if (op.type === 'mutation' && opensSession(op.path, data)) coordinator.renewed();
              observer.next(envelope);
            },
            complete: () => observer.complete(),
            error(error) {
              if (isSessionOver(error)) coordinator.sessionOver(since);
              if (isRetry || !isTokenExpired(error)) return observer.error(error);
              refreshAfter(since).then(
                (outcome) => {
                  if (isClosed) return;
                  if (outcome === 'failed') observer.error(error);
                  else send(true);
                },
                () => observer.error(error),
              );
            },
          });
        };
        send(false);
        return () => {
          isClosed = true;
          current?.unsubscribe();
        };
      });
    };
}

function resumable<TRouter extends AnyTRPCRouter>(
  op: Operation,
  next: (op: Operation) => OperationResultObservable<TRouter, unknown>,
  ctx: {
    coordinator: RefreshCoordinator;
    refreshAfter: (since: number) => Promise<RefreshOutcome>;
    delays: { first: number; max: number };
  },
) {
  return observable<OperationResultEnvelope<unknown, TRPCClientError<TRouter>>, TRPCClientError<TRouter>>(
    (observer) => {
      let lastEventId: string | undefined;
      let current: Unsubscribable | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let isClosed = false;
      let hasStarted = false;
      let failures = 0;

      const withLastEventId = (): Operation => {
        if (lastEventId === undefined) return op;
        const input = op.input;
        const isRecord = input === undefined || input === null || typeof input === 'object';
        return isRecord ? { ...op, input: { ...(input as object | undefined), lastEventId } } : op;
      };

      /** `isAfterRefresh`: this connection follows a refresh; TOKEN_EXPIRED on its first connection is final. */
      const connect = (isAfterRefresh: boolean) => {
        if (isClosed) return;
        const since = ctx.coordinator.generation();
        let connections = 0;
        current = next(withLastEventId()).subscribe({
          next(envelope) {
            const result = envelope.result as { type?: string; id?: string };
            if (result.type === 'started') {
              connections += 1;
              hasStarted = true;
            }
            if ((result.type === undefined || result.type === 'data') && result.id !== undefined) {
              lastEventId = result.id;
              failures = 0;
            }
            observer.next(envelope);
          },
          complete: () => observer.complete(),
          error(error) {
            if (isClosed) return;
            if (isSessionOver(error)) ctx.coordinator.sessionOver(since);
            if (isTokenExpired(error)) {
              if (isAfterRefresh && connections <= 1) return observer.error(error);
              ctx.refreshAfter(since).then(
                (outcome) => (outcome === 'failed' ? observer.error(error) : connect(true)),
                () => observer.error(error),
              );
              return;
            }
            if (isServerError(error) || !hasStarted) return observer.error(error);
            // The connection failed (server restarting, network): reconnect, resuming from lastEventId.
            const delay = Math.min(ctx.delays.max, ctx.delays.first * 2 ** failures);
            failures += 1;
            timer = setTimeout(() => connect(false), delay);
          },
        });
      };

      connect(false);
      return () => {
        isClosed = true;
        clearTimeout(timer);
        current?.unsubscribe();
      };
    },
  );
}
