import { type Database, schema } from '@skillbytes/db';
import type { InboxItem } from '@skillbytes/shared';
import { tracked } from '@trpc/server';
import { and, eq, isNull } from 'drizzle-orm';
import type { Caller, Clock } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { BusEvent, EventBus } from '../events/bus.ts';
import { callerGuard } from '../events/caller-guard.ts';
import { eventStream } from '../events/stream.ts';
import type { StreamSlots } from '../events/stream-slots.ts';
import { inboxItems, MESSAGE_CREATED, type MessageCreatedPayload } from './messages.ts';

const REPLAY_PAGE = 200;

/**
 * `inbox.onMessage`: messages for the caller as they are sent, each `tracked()` by its event id. A
 * reconnect with the last id replays what was sent meanwhile, checked against the inbox as it is now
 * (a message the user deleted in between is not replayed).
 */
export async function inboxStream(
  services: { db: Database; events: EventBus; clock: Clock; streams: StreamSlots },
  caller: Caller,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
) {
  const u = schema.users;
  const [user] = await services.db
    .select({ createdAt: u.createdAt })
    .from(u)
    .where(and(eq(u.id, caller.userId), isNull(u.deletedAt)));
  if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user');
  const joinedAt = user.createdAt.getTime();

  const isForCaller = (event: BusEvent) => {
    if (event.type !== MESSAGE_CREATED) return false;
    if (event.userId !== null) return event.userId === caller.userId;
    const sentAt = Date.parse(String((event.payload as Partial<MessageCreatedPayload>).createdAt));
    // Broadcasts reach the accounts that existed when they were sent; without a time, let the query decide.
    return Number.isNaN(sentAt) || sentAt >= joinedAt;
  };

  const stream = eventStream({
    bus: services.events,
    slot: { slots: services.streams, userId: caller.userId },
    signal,
    lastEventId,
    accepts: isForCaller,
    backlog: (afterId) => services.events.replay(afterId, caller.userId, [MESSAGE_CREATED], REPLAY_PAGE),
    ...callerGuard(caller, services),
  });

  return (async function* () {
    for await (const { event, isReplay } of stream) {
      const payload = event.payload as Partial<MessageCreatedPayload>;
      if (typeof payload.messageId !== 'string') continue;
      const item =
        isReplay || typeof payload.content !== 'string'
          ? (await inboxItems(services.db, caller.userId, [payload.messageId]))[0]
          : itemFromPayload(payload as MessageCreatedPayload, event.userId === null);
      if (item) yield tracked(String(event.id), item);
    }
  })();
}

/** A message that was just sent: nobody has read or deleted it yet. */
function itemFromPayload(p: MessageCreatedPayload, isBroadcast: boolean): InboxItem {
  return {
    id: p.messageId,
    content: p.content,
    icon: p.icon,
    bannerColor: p.bannerColor,
    createdAt: new Date(p.createdAt),
    isBroadcast,
    isRead: false,
  };
}
