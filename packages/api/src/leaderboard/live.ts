import type { LeaderboardChange } from '@skillbytes/shared';
import { tracked } from '@trpc/server';
import type { Service } from '../context.ts';
import type { BusEvent } from '../events/bus.ts';
import { callerGuard } from '../auth/caller-guard.ts';
import { eventStream, type LiveInput } from '../events/stream.ts';
import { memberGroupIds } from '../groups/membership.ts';

/** At most one push per subscriber per interval; changes in between are coalesced into the next push. */
const PUSH_INTERVAL_MS = 1000;

type Pending = { lastId: number; mine: LeaderboardChange['mine'] };

/** What moves a board: points paid anywhere, and a member joining or leaving a league. */
const BOARD_EVENTS: BusEvent['type'][] = ['points.changed', 'group.members.changed'];

/**
 * `leaderboard.onChange`: a "changed" tick rather than each subscriber's rank. Ranking every
 * subscriber on every change would cost the server one query per subscriber per change; a tick costs
 * nothing to send, and a client refetches only the board it shows, at most once a second. The
 * caller's own new total rides along, from the event itself. Points paid tick everyone; a league's
 * membership change (`group.members.changed`) ticks only that league's members and the user who
 * joined, left or was removed, so their league lists and league boards follow. A reconnect with the
 * last id gets one tick at once if anything that moves a board changed meanwhile (any league's
 * membership too: one tick more costs a refetch and tells nothing, where sorting out whose leagues
 * changed would cost a query of the events' payloads per reconnect).
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
    accepts: (event) => BOARD_EVENTS.includes(event.type),
    // Whatever the missed changes were, the client refetches: one synthetic event stands for them all.
    backlog: async (afterId) => {
      if (replayed) return [];
      replayed = true;
      const latest = await bus.latestId(BOARD_EVENTS);
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
  // Read after the stream subscribed, so no membership change falls between the two; the caller's own
  // changes keep it current from then on.
  let leagues: Set<string>;
  try {
    leagues = new Set(await memberGroupIds(svc.db, caller.userId));
  } catch (err) {
    stop.abort();
    throw err;
  }
  const movesMyBoards = (event: BusEvent) => {
    if (event.type !== 'group.members.changed') return true;
    const { groupId, change } = event.payload;
    if (event.userId !== caller.userId) return leagues.has(groupId);
    if (change === 'joined') leagues.add(groupId);
    else leagues.delete(groupId);
    return true;
  };

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
        if (movesMyBoards(result.value.event)) pending = merge(pending, result.value.event);
      }
    } finally {
      clearTimeout(timer);
      stop.abort();
      await events.return?.(undefined);
    }
  })();
}
