import {
  AdminUserRef,
  AdminUsersListInput,
  ApiKeyIdInput,
  CreateApiKeyInput,
  IdInput,
  SetRoleInput,
} from '@skillbytes/shared';
import { authEnv } from '../auth/env.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { adminStats } from './stats.ts';
import { getUser, listUsers, revokeUserSessions, setRole } from './users.ts';

const usersRouter = createTRPCRouter({
  list: adminProcedure.input(AdminUsersListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  get: adminProcedure.input(AdminUserRef).query(({ ctx, input }) => getUser(ctx.db, input, ctx.now())),
  setRole: adminProcedure
    .input(SetRoleInput)
    .mutation(({ ctx, input }) => setRole(authEnv(ctx), ctx.caller, input)),
  revokeSessions: adminProcedure
    .input(IdInput)
    .mutation(({ ctx, input }) => revokeUserSessions(authEnv(ctx), ctx.caller, input.id)),
});

const apiKeysRouter = createTRPCRouter({
  create: adminProcedure
    .input(CreateApiKeyInput)
    .mutation(({ ctx, input }) => createApiKey(authEnv(ctx), ctx.caller, input)),
  list: adminProcedure.query(({ ctx }) => listApiKeys(ctx.db)),
  revoke: adminProcedure
    .input(ApiKeyIdInput)
    .mutation(({ ctx, input }) => revokeApiKey(authEnv(ctx), ctx.caller, input.id)),
});

/** Admin-only procedures, one sub-router per area (add more alongside: `stats`, ...). */
export const adminRouter = createTRPCRouter({
  users: usersRouter,
  apiKeys: apiKeysRouter,
  stats: adminProcedure.query(({ ctx }) => adminStats(ctx.db, ctx.now())),
});
