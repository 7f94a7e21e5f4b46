import {
  ChallengeCreateInput,
  ChallengeListInput,
  ChallengeRef,
  ChallengeUpdateInput,
  CompletedInput,
  IdInput,
  SolutionInput,
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
import {
  challengeForUser,
  challengeStatus,
  completedChallenges,
  submissionHistory,
  topics,
} from './queries.ts';
import { runSolution, submitSolution } from './submit.ts';

export const challengesRouter = createTRPCRouter({
  daily: authedProcedure.query(({ ctx }) => dailyChallenge(ctx.db, ctx.caller.userId, ctx.now())),

  run: authedProcedure
    .input(SolutionInput)
    .mutation(({ ctx, input }) => runSolution(ctx, ctx.caller.userId, input, ctx.now)),

  submit: authedProcedure
    .input(SolutionInput)
    .mutation(({ ctx, input }) => submitSolution(ctx, ctx.caller.userId, input, ctx.now)),

  byId: authedProcedure
    .input(IdInput)
    .query(({ ctx, input }) => challengeForUser(ctx.db, ctx.caller.userId, input.id)),

  completed: authedProcedure
    .input(CompletedInput)
    .query(({ ctx, input }) => completedChallenges(ctx.db, ctx.caller.userId, input)),

  status: authedProcedure.query(({ ctx }) => challengeStatus(ctx.db, ctx.caller.userId, ctx.now())),

  submissions: authedProcedure
    .input(SubmissionsInput)
    .query(({ ctx, input }) => submissionHistory(ctx.db, ctx.caller.userId, input)),

  topics: publicProcedure.query(({ ctx }) => topics(ctx.db)),

  create: adminProcedure
    .input(ChallengeCreateInput)
    .mutation(({ ctx, input }) => createChallenge(ctx.db, ctx.judge, ctx, input, ctx.now())),

  update: adminProcedure
    .input(ChallengeUpdateInput)
    .mutation(({ ctx, input }) => updateChallenge(ctx.db, ctx.judge, ctx, input, ctx.now())),

  publish: adminProcedure
    .input(ChallengeRef)
    .mutation(({ ctx, input }) => setChallengeStatus(ctx.db, ctx, input.id, 'published', ctx.now())),

  archive: adminProcedure
    .input(ChallengeRef)
    .mutation(({ ctx, input }) => setChallengeStatus(ctx.db, ctx, input.id, 'archived', ctx.now())),

  list: adminProcedure.input(ChallengeListInput).query(({ ctx, input }) => listChallenges(ctx.db, input)),

  get: adminProcedure.input(ChallengeRef).query(({ ctx, input }) => getChallenge(ctx.db, input.id)),
});
