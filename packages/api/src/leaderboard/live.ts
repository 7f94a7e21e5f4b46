import type { LeaderboardChange } from '@skillbytes/shared';
import { tracked } from '@trpc/server';
import type { Database } from '@skillbytes/db';
import type { Caller, Clock } from '../context.ts';
import type { BusEvent, EventBus } from '../events/bus.ts';
import { callerGuard } from '../events/caller-guard.ts';
import { eventStream } from '../events/stream.ts';
import type { StreamSlots } from '../events/stream-slots.ts';

export const POINTS_CHANGED = 'points.changed';

/** At most one push per subscriber per interval; changes in between are coalesced into the next push. */
export const PUSH_INTERVAL_MS = 1000;

type Pending = { lastId: number; mine: LeaderboardChange['mine'] };

/**
 * `leaderboard.onChange`: a "changed" tick rather than each subscriber's rank. Ranking every
 * subscriber on every change would cost the server one query per subscriber per change; a tick costs
 * nothing to send, and a client refetches only the board it shows, at most once a second. The
 * caller's own new total rides along, from the event itself. A reconnect with the last id gets one
 * tick at once if anything changed meanwhile.
 */
export async function leaderboardStream(
  services: { db: Database; events: EventBus; clock: Clock; streams: StreamSlots },
  caller: Caller,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  intervalMs = PUSH_INTERVAL_MS,
) {
  const bus = services.events;
  let replayed = false;
  // Ends the inner stream when this one ends, even while it waits for an event.
  const stop = new AbortController();
  const events = eventStream({
    bus,
    slot: { slots: services.streams, userId: caller.userId },
    signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
    lastEventId,
    accepts: (event) => event.type === POINTS_CHANGED,
    // Whatever the missed changes were, the client refetches: one synthetic event stands for them all.
    backlog: async (afterId) => {
      if (replayed) return [];
      replayed = true;
      const latest = await bus.latestId([POINTS_CHANGED]);
      if (latest <= afterId) return [];
      return [{ id: latest, type: POINTS_CHANGED, userId: null, payload: {}, createdAt: new Date() }];
    },
    ...callerGuard(caller, services),
  })[Symbol.asyncIterator]();

  const merge = (pending: Pending | null, event: BusEvent): Pending => {
    const payload = event.payload as { points?: unknown; delta?: unknown };
    const isMine =
      event.userId === caller.userId &&
      typeof payload.points === 'number' &&
      typeof payload.delta === 'number';
    return {
      lastId: event.id,
      mine: isMine
        ? { points: payload.points as number, delta: (pending?.mine?.delta ?? 0) + (payload.delta as number) }
        : (pending?.mine ?? null),
    };
  };

  return (async function* () {
    let pending: Pending | null = null;
    let lastPushAt = Number.NEGATIVE_INFINITY;
    let next = events.next();
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const wait = pending ? lastPushAt + intervalMs - Date.now() : Number.POSITIVE_INFINITY;
        let result: IteratorResult<{ event: BusEvent }> | 'due';
        if (wait <= 0) result = 'due';
        else if (wait === Number.POSITIVE_INFINITY) result = await next;
        else {
          result = await Promise.race([
            next,
            new Promise<'due'>((resolve) => {
              timer = setTimeout(() => resolve('due'), wait);
            }),
          ]);
          clearTimeout(timer);
        }
        if (result === 'due') {
          if (pending)
            yield tracked(String(pending.lastId), { mine: pending.mine } satisfies LeaderboardChange);
          pending = null;
          lastPushAt = Date.now();
          continue;
        }
        if (result.done) return;
        next = events.next();
        pending = merge(pending, result.value.event);
      }
    } finally {
      clearTimeout(timer);
      stop.abort();
      await events.return?.(undefined);
    }
  })();
}
