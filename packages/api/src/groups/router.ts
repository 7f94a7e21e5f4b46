import { CreateGroupInput, GroupIdInput, JoinGroupInput, RemoveMemberInput } from '@skillbytes/shared';
import { authedProcedure, createTRPCRouter } from '../trpc.ts';
import { createGroup, joinGroup, leaveGroup, listGroups, removeMember, rotateInvite } from './membership.ts';

export const groupsRouter = createTRPCRouter({
  create: authedProcedure
    .input(CreateGroupInput)
    .mutation(({ ctx, input }) => createGroup(ctx.service, input)),
  join: authedProcedure.input(JoinGroupInput).mutation(({ ctx, input }) => joinGroup(ctx.service, input)),
  leave: authedProcedure.input(GroupIdInput).mutation(({ ctx, input }) => leaveGroup(ctx.service, input)),
  list: authedProcedure.query(({ ctx }) => listGroups(ctx.service)),
  rotateInvite: authedProcedure
    .input(GroupIdInput)
    .mutation(({ ctx, input }) => rotateInvite(ctx.service, input)),
  removeMember: authedProcedure
    .input(RemoveMemberInput)
    .mutation(({ ctx, input }) => removeMember(ctx.service, input)),
});
