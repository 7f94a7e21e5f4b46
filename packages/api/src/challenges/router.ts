import {
  CalendarInput,
  ChallengeCreateInput,
  ChallengeListInput,
  ChallengeRef,
  ChallengeUpdateInput,
  CompletedInput,
  HintInput,
  IdInput,
  SolutionInput,
  SolutionsInput,
  SubmissionsInput,
} from '@skillbytes/shared';
import { adminProcedure, authedProcedure, createTRPCRouter, publicProcedure } from '../trpc.ts';
import {
  createChallenge,
  getChallenge,
  listChallenges,
  setChallengeStatus,
  updateChallenge,
} from './authoring.ts';
import { dailyChallenge } from './daily.ts';
import { openHint } from './hints.ts';
import {
  activityCalendar,
  challengeForUser,
  challengeStatus,
  completedChallenges,
  submissionHistory,
  topics,
} from './queries.ts';
import { sharedSolutions } from './solutions.ts';
import { runSolution, submitSolution } from './submit.ts';

export const challengesRouter = createTRPCRouter({
  daily: authedProcedure.query(({ ctx }) => dailyChallenge(ctx.service)),

  run: authedProcedure.input(SolutionInput).mutation(({ ctx, input }) => runSolution(ctx.service, input)),

  submit: authedProcedure
    .input(SolutionInput)
    .mutation(({ ctx, input }) => submitSolution(ctx.service, input)),

  byId: authedProcedure.input(IdInput).query(({ ctx, input }) => challengeForUser(ctx.service, input)),

  completed: authedProcedure
    .input(CompletedInput)
    .query(({ ctx, input }) => completedChallenges(ctx.service, input)),

  status: authedProcedure.query(({ ctx }) => challengeStatus(ctx.service)),

  calendar: authedProcedure
    .input(CalendarInput)
    .query(({ ctx, input }) => activityCalendar(ctx.service, input)),

  submissions: authedProcedure
    .input(SubmissionsInput)
    .query(({ ctx, input }) => submissionHistory(ctx.service, input)),

  hint: authedProcedure.input(HintInput).mutation(({ ctx, input }) => openHint(ctx.service, input)),

  solutions: authedProcedure
    .input(SolutionsInput)
    .query(({ ctx, input }) => sharedSolutions(ctx.service, input)),

  topics: publicProcedure.query(({ ctx }) => topics(ctx.service)),

  create: adminProcedure
    .input(ChallengeCreateInput)
    .mutation(({ ctx, input }) => createChallenge(ctx.service, input)),

  update: adminProcedure
    .input(ChallengeUpdateInput)
    .mutation(({ ctx, input }) => updateChallenge(ctx.service, input)),

  publish: adminProcedure
    .input(ChallengeRef)
    .mutation(({ ctx, input }) => setChallengeStatus(ctx.service, { id: input.id, status: 'published' })),

  archive: adminProcedure
    .input(ChallengeRef)
    .mutation(({ ctx, input }) => setChallengeStatus(ctx.service, { id: input.id, status: 'archived' })),

  list: adminProcedure
    .input(ChallengeListInput)
    .query(({ ctx, input }) => listChallenges(ctx.service, input)),

  get: adminProcedure.input(ChallengeRef).query(({ ctx, input }) => getChallenge(ctx.service, input)),
});
