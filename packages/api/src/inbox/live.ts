import { schema } from '@skillbytes/db';
import type { InboxItem } from '@skillbytes/shared';
import { tracked } from '@trpc/server';
import { and, eq, isNull } from 'drizzle-orm';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { BusEvent, EventMap } from '../events/bus.ts';
import { callerGuard } from '../auth/caller-guard.ts';
import { eventStream, type LiveInput } from '../events/stream.ts';
import { inboxItems } from './messages.ts';

const REPLAY_PAGE = 200;

/**
 * `inbox.onMessage`: messages for the caller as they are sent, each `tracked()` by its event id. A
 * reconnect with the last id replays what was sent meanwhile, checked against the inbox as it is now
 * (a message the user deleted in between is not replayed).
 */
export async function inboxStream(svc: Service, { lastEventId, signal }: LiveInput) {
  const { caller } = svc;
  const u = schema.users;
  const [user] = await svc.db
    .select({ createdAt: u.createdAt })
    .from(u)
    .where(and(eq(u.id, caller.userId), isNull(u.deletedAt)));
  if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user');
  const joinedAt = user.createdAt.getTime();

  const isForCaller = (event: BusEvent) => {
    if (event.type !== 'message.created') return false;
    if (event.userId !== null) return event.userId === caller.userId;
    const sentAt = Date.parse(event.payload.createdAt);
    // Broadcasts reach the accounts that existed when they were sent; without a time, let the query decide.
    return Number.isNaN(sentAt) || sentAt >= joinedAt;
  };

  const stream = eventStream({
    bus: svc.events,
    slot: { slots: svc.streams, userId: caller.userId },
    signal,
    lastEventId,
    accepts: isForCaller,
    backlog: (afterId) => svc.events.replay(afterId, caller.userId, ['message.created'], REPLAY_PAGE),
    ...callerGuard(svc),
  });

  return (async function* () {
    for await (const { event, isReplay } of stream) {
      if (event.type !== 'message.created') continue;
      const item = isReplay
        ? (await inboxItems(svc, [event.payload.messageId]))[0]
        : itemFromPayload(event.payload, event.userId === null);
      if (item) yield tracked(String(event.id), item);
    }
  })();
}

/** A message that was just sent: nobody has read or deleted it yet. */
function itemFromPayload(p: EventMap['message.created'], isBroadcast: boolean): InboxItem {
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
