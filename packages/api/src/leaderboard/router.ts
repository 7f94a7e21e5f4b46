import { LeaderboardMeInput, LeaderboardTopInput, SubscriptionInput } from '@skillbytes/shared';
import { authedProcedure, createTRPCRouter } from '../trpc.ts';
import { leaderboardStream } from './live.ts';
import { leaderboardMe, leaderboardTop } from './ranking.ts';

export const leaderboardRouter = createTRPCRouter({
  top: authedProcedure
    .input(LeaderboardTopInput)
    .query(({ ctx, input }) => leaderboardTop(ctx.service, input)),

  me: authedProcedure.input(LeaderboardMeInput).query(({ ctx, input }) => leaderboardMe(ctx.service, input)),

  onChange: authedProcedure
    .input(SubscriptionInput)
    .subscription(({ ctx, input, signal }) =>
      leaderboardStream(ctx.service, { lastEventId: input?.lastEventId, signal }),
    ),
});
