import {
  AdminUserRef,
  AdminUsersListInput,
  ApiKeyIdInput,
  CreateApiKeyInput,
  IdInput,
  SetRoleInput,
} from '@skillbytes/shared';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { adminStats } from './stats.ts';
import { getUser, issuePasswordReset, listUsers, revokeUserSessions, setRole } from './users.ts';

const usersRouter = createTRPCRouter({
  list: adminProcedure.input(AdminUsersListInput).query(({ ctx, input }) => listUsers(ctx.service, input)),
  get: adminProcedure.input(AdminUserRef).query(({ ctx, input }) => getUser(ctx.service, input)),
  setRole: adminProcedure.input(SetRoleInput).mutation(({ ctx, input }) => setRole(ctx.service, input)),
  revokeSessions: adminProcedure
    .input(IdInput)
    .mutation(({ ctx, input }) => revokeUserSessions(ctx.service, input)),
  issuePasswordReset: adminProcedure
    .input(IdInput)
    .mutation(({ ctx, input }) => issuePasswordReset(ctx.service, input)),
});

const apiKeysRouter = createTRPCRouter({
  create: adminProcedure
    .input(CreateApiKeyInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.service, input)),
  list: adminProcedure.query(({ ctx }) => listApiKeys(ctx.service)),
  revoke: adminProcedure.input(ApiKeyIdInput).mutation(({ ctx, input }) => revokeApiKey(ctx.service, input)),
});

/** Admin-only procedures, one sub-router per area (add more alongside: `stats`, ...). */
export const adminRouter = createTRPCRouter({
  users: usersRouter,
  apiKeys: apiKeysRouter,
  stats: adminProcedure.query(({ ctx }) => adminStats(ctx.service)),
});
