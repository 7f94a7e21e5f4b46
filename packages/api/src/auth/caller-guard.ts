import type { Service } from '../context.ts';
import type { BusEvent } from '../events/bus.ts';
import { type EventStreamOptions, streamError } from '../events/stream.ts';
import { isCallerActive } from './authenticate.ts';
import { SESSION_REVOKED_EVENT } from './sessions.ts';

/** How often an open subscription re-checks its session or API key (expiry, a revocation it missed). */
const RECHECK_INTERVAL_MS = 60_000;

/**
 * What ends a caller's subscription besides the client leaving. At once: auth's `session.revoked`
 * event for the caller's session (`{sessionIds}`), or for all of the user's (`{all: true}`, which ends
 * API-key streams too: account deletion, admin revocation). And at the next periodic check (at the
 * clock's time then, not the request's): a session or key that expired, or was revoked while this
 * process missed the event.
 */
export function callerGuard(
  svc: Pick<Service, 'db' | 'clock' | 'caller'>,
  intervalMs = RECHECK_INTERVAL_MS,
): Pick<EventStreamOptions, 'endsOn' | 'recheck'> {
  const { caller } = svc;
  const ended = () => streamError('SESSION_REVOKED', 'This session was signed out; sign in again');
  return {
    endsOn(event: BusEvent) {
      if (event.type !== SESSION_REVOKED_EVENT || event.userId !== caller.userId) return undefined;
      // Checked, not trusted: the payload was read back from the events table.
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
        (await isCallerActive({ db: svc.db, caller, now: svc.clock.now() })) ? undefined : ended(),
    },
  };
}
