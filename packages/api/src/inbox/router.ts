import { IdInput, MarkReadInput, PageInput, SendMessageInput, SubscriptionInput } from '@skillbytes/shared';
import { adminProcedure, authedProcedure, createTRPCRouter } from '../trpc.ts';
import { inboxStream } from './live.ts';
import { deleteMessage, listInbox, markRead, sendMessage, unreadCount } from './messages.ts';

export const inboxRouter = createTRPCRouter({
  list: authedProcedure.input(PageInput).query(({ ctx, input }) => listInbox(ctx.service, input)),

  unreadCount: authedProcedure.query(({ ctx }) => unreadCount(ctx.service)),

  markRead: authedProcedure.input(MarkReadInput).mutation(({ ctx, input }) => markRead(ctx.service, input)),

  delete: authedProcedure.input(IdInput).mutation(({ ctx, input }) => deleteMessage(ctx.service, input)),

  send: adminProcedure.input(SendMessageInput).mutation(({ ctx, input }) => sendMessage(ctx.service, input)),

  onMessage: authedProcedure
    .input(SubscriptionInput)
    .subscription(({ ctx, input, signal }) =>
      inboxStream(ctx.service, { lastEventId: input?.lastEventId, signal }),
    ),
});
