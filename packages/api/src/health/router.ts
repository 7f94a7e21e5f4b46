import { createTRPCRouter, publicProcedure } from '../trpc.ts';

export const healthRouter = createTRPCRouter({
  ping: publicProcedure.query(() => ({ msg: 'pong' as const })),
});
