import { DomainError } from '../errors.ts';

export type StreamLimits = { perUser: number; perProcess: number };

/**
 * Open subscriptions cost a connection, a bus listener and buffers for as long as they last, so one
 * user (or everyone together) may only hold so many in a process. Counted in process memory on
 * purpose: what is limited is this process's resources, and a process that dies frees its slots.
 */
export type StreamSlots = {
  /** Takes a slot for one stream of `userId`, or throws TOO_MANY_STREAMS. The returned function gives it back (once). */
  acquire(userId: string): () => void;
  /** Streams open in this process now. */
  readonly open: number;
};

export function createStreamSlots(limits: StreamLimits): StreamSlots {
  const perUser = new Map<string, number>();
  let open = 0;
  return {
    get open() {
      return open;
    },
    acquire(userId) {
      const mine = perUser.get(userId) ?? 0;
      if (mine >= limits.perUser) {
        throw new DomainError(
          'TOO_MANY_STREAMS',
          `At most ${limits.perUser} live streams per user; close one before opening another`,
          { scope: 'user', limit: limits.perUser },
        );
      }
      if (open >= limits.perProcess) {
        throw new DomainError('TOO_MANY_STREAMS', 'The server has too many live streams; try again later', {
          scope: 'process',
        });
      }
      perUser.set(userId, mine + 1);
      open += 1;
      let isReleased = false;
      return () => {
        if (isReleased) return;
        isReleased = true;
        open -= 1;
        const left = (perUser.get(userId) ?? 1) - 1;
        if (left > 0) perUser.set(userId, left);
        else perUser.delete(userId);
      };
    },
  };
}
