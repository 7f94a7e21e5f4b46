import { APP_ERRORS, type AppCode } from '@skillbytes/shared';
import { TRPCError } from '@trpc/server';
import { DomainError } from '../errors.ts';
import type { BusEvent, EventBus } from './bus.ts';
import type { StreamSlots } from './stream-slots.ts';

export type StreamedEvent = { event: BusEvent; isReplay: boolean };

/** What a live subscription is given besides its caller: where to resume, and when to stop. */
export type LiveInput = { lastEventId: string | null | undefined; signal: AbortSignal | undefined };

export type EventStreamOptions = {
  bus: EventBus;
  /** The stream holds one of this user's slots until it ends; none free is TOO_MANY_STREAMS. */
  slot: { slots: StreamSlots; userId: string };
  /** Aborts when the client goes away: the stream then ends quietly. */
  signal: AbortSignal | undefined;
  /** The last event id the client saw (`tracked()` id); null for a fresh subscription. */
  lastEventId: string | null | undefined;
  /** Live events this subscriber wants. */
  accepts(event: BusEvent): boolean;
  /** One page (oldest first) of the events after `afterId` that the client missed. */
  backlog(afterId: number): Promise<BusEvent[]>;
  /** Ends the stream with this error when a live event calls for it (e.g. the session was revoked). */
  endsOn?(event: BusEvent): TRPCError | undefined;
  /** Checked every `intervalMs` while the stream is open; an error ends the stream. */
  recheck?: { intervalMs: number; check(): Promise<TRPCError | undefined> };
  /** Live events waiting for a slow client beyond this end the stream with a retryable error. */
  maxQueued?: number;
};

/**
 * The body of a resumable subscription. It subscribes to the live bus at once (so a client that sees
 * the stream open misses nothing sent after that), then, when iterated, replays the backlog after
 * `lastEventId`, then continues with the live events it buffered meanwhile, skipping those the backlog
 * already delivered (ids are commit-ordered, so "at or below the last delivered id" means delivered).
 * A client that reconnects with the last id it got therefore sees every event exactly once.
 */
export function eventStream(opts: EventStreamOptions): AsyncGenerator<StreamedEvent, void> {
  const releaseSlot = opts.slot.slots.acquire(opts.slot.userId);
  const queue: BusEvent[] = [];
  const maxQueued = opts.maxQueued ?? 10_000;
  let failure: TRPCError | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (error: TRPCError) => {
    failure ??= error;
    notify();
  };
  const isDone = () => failure !== undefined || opts.signal?.aborted === true;

  const unsubscribe = opts.bus.subscribe((event) => {
    const ending = opts.endsOn?.(event);
    if (ending) return fail(ending);
    if (!opts.accepts(event)) return;
    if (queue.length >= maxQueued) {
      return fail(
        streamError(
          'SERVICE_UNAVAILABLE',
          'Too many undelivered events; reconnect to resume from the last one',
        ),
      );
    }
    queue.push(event);
    notify();
  });
  let timer: NodeJS.Timeout | undefined;
  if (opts.recheck) {
    const { check, intervalMs } = opts.recheck;
    let checking = false;
    timer = setInterval(() => {
      if (checking) return;
      checking = true;
      check()
        .then((error) => error && fail(error))
        // A failed check (database hiccup) is not a verdict on the session: try again next time.
        .catch(() => {})
        .finally(() => {
          checking = false;
        });
    }, intervalMs);
    timer.unref();
  }
  const cleanup = () => {
    releaseSlot();
    unsubscribe();
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  };
  // Also on abort: a generator that is never iterated never runs its `finally`.
  const onAbort = () => {
    cleanup();
    notify();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  return (async function* () {
    try {
      let delivered = 0;
      const resumeFrom = parseEventId(opts.lastEventId);
      if (resumeFrom !== null) {
        // An id from the future (a reset database, a forged header) would hide every live event.
        delivered = Math.min(resumeFrom, await opts.bus.latestId());
        for (;;) {
          const page = await opts.backlog(delivered);
          for (const event of page) {
            if (isDone()) break;
            delivered = event.id;
            yield { event, isReplay: true };
          }
          if (page.length === 0 || isDone()) break;
        }
      }
      for (;;) {
        if (failure) throw failure;
        if (opts.signal?.aborted) return;
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        if (event.id <= delivered) continue;
        delivered = event.id;
        yield { event, isReplay: false };
      }
    } finally {
      cleanup();
    }
  })();
}

/** Event ids are bigserial values in decimal. */
export function parseEventId(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (!/^\d{1,15}$/.test(value)) {
    throw streamError('VALIDATION_FAILED', 'lastEventId must be an event id sent by this server');
  }
  return Number(value);
}

/**
 * An error that ends a stream. Thrown while iterating, it bypasses the procedure middleware, so it is
 * built as the TRPCError (code and appCode) the client must see. Retryable codes (5xx) make the
 * client reconnect from its last id; the rest end the subscription.
 */
export function streamError(appCode: AppCode, message: string): TRPCError {
  return new TRPCError({ code: APP_ERRORS[appCode], message, cause: new DomainError(appCode, message) });
}
