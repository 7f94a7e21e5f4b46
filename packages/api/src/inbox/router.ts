import { IdInput, MarkReadInput, PageInput, SendMessageInput, SubscriptionInput } from '@skillbytes/shared';
import { adminProcedure, authedProcedure, createTRPCRouter } from '../trpc.ts';
import { inboxStream } from './live.ts';
import { deleteMessage, listInbox, markRead, sendMessage, unreadCount } from './messages.ts';

export const inboxRouter = createTRPCRouter({
  list: authedProcedure
    .input(PageInput)
    .query(({ ctx, input }) => listInbox(ctx.db, ctx.caller.userId, input)),

  unreadCount: authedProcedure.query(async ({ ctx }) => ({
    unreadCount: await unreadCount(ctx.db, ctx.caller.userId),
  })),

  markRead: authedProcedure
    .input(MarkReadInput)
    .mutation(({ ctx, input }) => markRead(ctx.db, ctx.caller.userId, input, ctx.now())),

  delete: authedProcedure
    .input(IdInput)
    .mutation(({ ctx, input }) => deleteMessage(ctx.db, ctx.caller.userId, input.id, ctx.now())),

  send: adminProcedure
    .input(SendMessageInput)
    .mutation(({ ctx, input }) =>
      sendMessage(
        ctx,
        { caller: ctx.caller, source: { ip: ctx.req.ip, userAgent: ctx.req.userAgent, logger: ctx.logger } },
        input,
        ctx.now(),
      ),
    ),

  onMessage: authedProcedure
    .input(SubscriptionInput)
    .subscription(({ ctx, input, signal }) => inboxStream(ctx, ctx.caller, input?.lastEventId, signal)),
});
