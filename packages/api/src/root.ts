import { achievementsRouter } from './achievements/router.ts';
import { adminRouter } from './admin/router.ts';
import { authRouter } from './auth/router.ts';
import { challengesRouter } from './challenges/router.ts';
import { groupsRouter } from './groups/router.ts';
import { healthRouter } from './health/router.ts';
import { inboxRouter } from './inbox/router.ts';
import { leaderboardRouter } from './leaderboard/router.ts';
import { createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  achievements: achievementsRouter,
  admin: adminRouter,
  auth: authRouter,
  challenges: challengesRouter,
  groups: groupsRouter,
  health: healthRouter,
  inbox: inboxRouter,
  leaderboard: leaderboardRouter,
});

export type AppRouter = typeof appRouter;
