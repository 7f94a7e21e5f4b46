import type { LeaderboardChange } from '@skillbytes/shared';
import { tracked } from '@trpc/server';
import type { Service } from '../context.ts';
import type { BusEvent } from '../events/bus.ts';
import { callerGuard } from '../auth/caller-guard.ts';
import { eventStream, type LiveInput } from '../events/stream.ts';

/** At most one push per subscriber per interval; changes in between are coalesced into the next push. */
const PUSH_INTERVAL_MS = 1000;

type Pending = { lastId: number; mine: LeaderboardChange['mine'] };

/**
 * `leaderboard.onChange`: a "changed" tick rather than each subscriber's rank. Ranking every
 * subscriber on every change would cost the server one query per subscriber per change; a tick costs
 * nothing to send, and a client refetches only the board it shows, at most once a second. The
 * caller's own new total rides along, from the event itself. A reconnect with the last id gets one
 * tick at once if anything changed meanwhile.
 */
export async function leaderboardStream(
  svc: Service,
  { lastEventId, signal, intervalMs = PUSH_INTERVAL_MS }: LiveInput & { intervalMs?: number },
) {
  const { caller } = svc;
  const bus = svc.events;
  let replayed = false;
  // Ends the inner stream when this one ends, even while it waits for an event.
  const stop = new AbortController();
  const events = eventStream({
    bus,
    slot: { slots: svc.streams, userId: caller.userId },
    signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
    lastEventId,
    accepts: (event) => event.type === 'points.changed',
    // Whatever the missed changes were, the client refetches: one synthetic event stands for them all.
    backlog: async (afterId) => {
      if (replayed) return [];
      replayed = true;
      const latest = await bus.latestId(['points.changed']);
      if (latest <= afterId) return [];
      const tick: BusEvent = {
        id: latest,
        type: 'points.changed',
        userId: null,
        payload: { points: 0, delta: 0 },
        createdAt: new Date(),
      };
      return [tick];
    },
    ...callerGuard(svc),
  })[Symbol.asyncIterator]();

  const merge = (pending: Pending | null, event: BusEvent): Pending => {
    const isMine = event.type === 'points.changed' && event.userId === caller.userId;
    return {
      lastId: event.id,
      mine: isMine
        ? { points: event.payload.points, delta: (pending?.mine?.delta ?? 0) + event.payload.delta }
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
