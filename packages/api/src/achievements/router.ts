import { authedProcedure, createTRPCRouter } from '../trpc.ts';
import { listAchievements } from './list.ts';

export const achievementsRouter = createTRPCRouter({
  list: authedProcedure.query(({ ctx }) => listAchievements(ctx.service)),
});
