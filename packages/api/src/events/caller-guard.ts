import type { Database } from '@skillbytes/db';
import { isCallerActive } from '../auth/authenticate.ts';
import { SESSION_REVOKED_EVENT } from '../auth/sessions.ts';
import type { Caller } from '../context.ts';
import type { BusEvent } from './bus.ts';
import { type EventStreamOptions, streamError } from './stream.ts';

/** How often an open subscription re-checks its session or API key (expiry, a revocation it missed). */
export const RECHECK_INTERVAL_MS = 60_000;

/**
 * What ends a caller's subscription besides the client leaving. At once: auth's `session.revoked`
 * event for the caller's session (`{sessionIds}`), or for all of the user's (`{all: true}`, which ends
 * API-key streams too: account deletion, admin revocation). And at the next periodic check: a session
 * or key that expired, or was revoked while this process missed the event.
 */
export function callerGuard(
  caller: Caller,
  services: { db: Database; clock: { now(): Date } },
  intervalMs = RECHECK_INTERVAL_MS,
): Pick<EventStreamOptions, 'endsOn' | 'recheck'> {
  const ended = () => streamError('SESSION_REVOKED', 'This session was signed out; sign in again');
  return {
    endsOn(event: BusEvent) {
      if (event.type !== SESSION_REVOKED_EVENT || event.userId !== caller.userId) return undefined;
      const payload = event.payload as { all?: unknown; sessionIds?: unknown };
      const isMine =
        payload.all === true ||
        (caller.kind === 'session' &&
          Array.isArray(payload.sessionIds) &&
          payload.sessionIds.includes(caller.sessionId));
      return isMine ? ended() : undefined;
    },
    recheck: {
      intervalMs,
      check: async () =>
        (await isCallerActive(services.db, caller, services.clock.now())) ? undefined : ended(),
    },
  };
}
