import { randomBytes } from 'node:crypto';
import { type Executor, schema } from '@skillbytes/db';
import type {
  CreateGroupInput,
  GroupIdInput,
  GroupInvite,
  GroupRole,
  GroupSummary,
  JoinGroupInput,
  RemoveMemberInput,
} from '@skillbytes/shared';
import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { enforce, refund } from '../auth/rate-limit.ts';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { EventMap } from '../events/bus.ts';

const g = schema.groups;
const gm = schema.groupMembers;
const u = schema.users;

/**
 * 12 random bytes as base64url: 16 URL-safe characters, 96 bits, so codes are neither guessable nor
 * enumerable (and joins by a wrong code are rate limited besides).
 */
function newInviteCode(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Announces, in the membership change's transaction, that `userId` joined (or created), left or was removed:
 * every member's open board (and their own) follows, and its member count (leaderboard/live.ts).
 */
function announce(
  svc: Service,
  tx: Executor,
  userId: string,
  groupId: string,
  change: EventMap['group.members.changed']['change'],
): Promise<void> {
  return svc.events.publish(tx, { type: 'group.members.changed', userId, payload: { groupId, change } });
}

/** A non-member learns nothing about a group, not even that it exists. */
const notFound = () => new DomainError('GROUP_NOT_FOUND', 'No such group');

/**
 * Locks the caller's account row (as every points writer does, so the lock order is user, then group)
 * and fails for a deleted account. Holding it serialises one user's concurrent creates and joins, so
 * the groups-per-user cap cannot be overrun.
 */
async function lockCaller(tx: Executor, userId: string): Promise<void> {
  const [me] = await tx
    .select({ id: u.id })
    .from(u)
    .where(and(eq(u.id, userId), isNull(u.deletedAt)))
    .for('no key update');
  if (!me) throw new DomainError('USER_NOT_FOUND', 'No such user');
}

/** Refuses when the user already is in as many groups as one may be (caller's row locked). */
async function checkGroupsPerUser(svc: Service, tx: Executor, userId: string): Promise<void> {
  const held = await tx.$count(gm, eq(gm.userId, userId));
  if (held >= svc.config.groups.perUser) {
    throw new DomainError('TOO_MANY_GROUPS', `You are in ${held} groups, the most one can be in`, {
      max: svc.config.groups.perUser,
    });
  }
}

/**
 * The caller's role in the group, with the group's row locked (FOR UPDATE), so membership changes of
 * one group run one after another: the member cap and the single owner hold under concurrency.
 * Not a member (or no such group): GROUP_NOT_FOUND either way.
 */
async function lockMembership(tx: Executor, groupId: string, userId: string) {
  const [row] = await tx
    .select({ id: g.id, name: g.name, inviteCode: g.inviteCode, role: gm.role })
    .from(g)
    .innerJoin(gm, and(eq(gm.groupId, g.id), eq(gm.userId, userId)))
    .where(eq(g.id, groupId))
    .for('update', { of: g });
  if (!row) throw notFound();
  return row;
}

async function lockOwnership(tx: Executor, groupId: string, userId: string) {
  const row = await lockMembership(tx, groupId, userId);
  if (row.role !== 'owner') throw new DomainError('NOT_GROUP_OWNER', 'Only the group owner can do this');
  return row;
}

/** `groups.create`: a new group with the caller as its owner and only member. */
export async function createGroup(
  svc: Service,
  input: z.output<typeof CreateGroupInput>,
): Promise<GroupInvite> {
  const userId = svc.caller.userId;
  return svc.db.transaction(async (tx) => {
    await lockCaller(tx, userId);
    await checkGroupsPerUser(svc, tx, userId);
    const [group] = await tx
      .insert(g)
      .values({ name: input.name, inviteCode: newInviteCode(), createdAt: svc.now })
      .returning({ id: g.id, name: g.name, inviteCode: g.inviteCode });
    await tx.insert(gm).values({ groupId: group!.id, userId, role: 'owner', joinedAt: svc.now });
    // The creator joins it: their open streams follow the new group from now on.
    await announce(svc, tx, userId, group!.id, 'joined');
    return group!;
  });
}

/** Rate-limit bucket of a user's joins: only attempts with a wrong code stay counted. */
const joinBucket = (userId: string) => `group-join:${userId}`;

/**
 * `groups.join`: the caller becomes a member of the group whose code this is. Idempotent: a member
 * joining again gets the group back unchanged. A removed member may join again with the current code.
 * The group's row lock makes the member cap exact under concurrent joins.
 */
export async function joinGroup(svc: Service, input: z.output<typeof JoinGroupInput>): Promise<GroupSummary> {
  const userId = svc.caller.userId;
  const limit = { bucket: joinBucket(userId), policy: svc.config.rateLimits.groupJoinPerUser };
  await enforce(svc, limit);
  const summary = await svc.db.transaction(async (tx) => {
    await lockCaller(tx, userId);
    const [group] = await tx
      .select({ id: g.id })
      .from(g)
      .where(eq(g.inviteCode, input.inviteCode))
      .for('update');
    if (!group) throw new DomainError('INVITE_INVALID', 'This invite code is not valid (any more)');
    const [already] = await tx
      .select({ role: gm.role })
      .from(gm)
      .where(and(eq(gm.groupId, group.id), eq(gm.userId, userId)));
    if (!already) {
      const members = await tx.$count(gm, eq(gm.groupId, group.id));
      if (members >= svc.config.groups.maxMembers) {
        throw new DomainError('GROUP_FULL', 'This group is full', { max: svc.config.groups.maxMembers });
      }
      await checkGroupsPerUser(svc, tx, userId);
      await tx.insert(gm).values({ groupId: group.id, userId, role: 'member', joinedAt: svc.now });
      await announce(svc, tx, userId, group.id, 'joined');
    }
    return (await summariesOf(tx, userId, group.id))[0]!;
  });
  // A code that worked was no guess: give the attempt back.
  await refund(svc, limit);
  return summary;
}

/**
 * `groups.leave`. An owner leaving hands the group to the member who joined earliest (what a league
 * among friends expects: it goes on); the last member leaving deletes the group.
 */
export async function leaveGroup(
  svc: Service,
  input: z.output<typeof GroupIdInput>,
): Promise<{ groupId: string; deleted: boolean }> {
  const userId = svc.caller.userId;
  return svc.db.transaction(async (tx) => {
    const mine = await lockMembership(tx, input.groupId, userId);
    await tx.delete(gm).where(and(eq(gm.groupId, input.groupId), eq(gm.userId, userId)));
    await announce(svc, tx, userId, input.groupId, 'left');
    const [heir] = await tx
      .select({ userId: gm.userId })
      .from(gm)
      .where(eq(gm.groupId, input.groupId))
      .orderBy(asc(gm.joinedAt), asc(gm.userId))
      .limit(1);
    if (!heir) {
      await tx.delete(g).where(eq(g.id, input.groupId));
      return { groupId: input.groupId, deleted: true };
    }
    if (mine.role === 'owner') {
      await tx
        .update(gm)
        .set({ role: 'owner' })
        .where(and(eq(gm.groupId, input.groupId), eq(gm.userId, heir.userId)));
    }
    return { groupId: input.groupId, deleted: false };
  });
}

/** `groups.rotateInvite` (owner): a new code; the old one stops working in the same commit. */
export async function rotateInvite(svc: Service, input: z.output<typeof GroupIdInput>): Promise<GroupInvite> {
  return svc.db.transaction(async (tx) => {
    await lockOwnership(tx, input.groupId, svc.caller.userId);
    const [group] = await tx
      .update(g)
      .set({ inviteCode: newInviteCode() })
      .where(eq(g.id, input.groupId))
      .returning({ id: g.id, name: g.name, inviteCode: g.inviteCode });
    return group!;
  });
}

/**
 * `groups.removeMember` (owner). The removed user may join again with the current code; an owner who
 * wants them out for good rotates the code too.
 */
export async function removeMember(
  svc: Service,
  input: z.output<typeof RemoveMemberInput>,
): Promise<{ groupId: string; userId: string }> {
  const ownerId = svc.caller.userId;
  return svc.db.transaction(async (tx) => {
    await lockOwnership(tx, input.groupId, ownerId);
    if (input.userId === ownerId) {
      throw new DomainError('CANNOT_REMOVE_OWNER', 'The owner leaves with groups.leave');
    }
    const removed = await tx
      .delete(gm)
      .where(and(eq(gm.groupId, input.groupId), eq(gm.userId, input.userId), ne(gm.role, 'owner')))
      .returning({ userId: gm.userId });
    if (removed.length === 0) throw new DomainError('USER_NOT_FOUND', 'No such member in this group');
    await announce(svc, tx, input.userId, input.groupId, 'removed');
    return { groupId: input.groupId, userId: input.userId };
  });
}

/**
 * The user's groups (all of them, or one), oldest membership first. Member counts leave out deleted
 * accounts, as the boards do. At most `groups.perUser` rows, so no paging.
 */
async function summariesOf(db: Executor, userId: string, groupId?: string): Promise<GroupSummary[]> {
  const others = schema.groupMembers;
  const memberCount = sql<number>`(
    select count(*)::int from ${others} o join ${u} on ${u.id} = o.user_id
    where o.group_id = ${g.id} and ${u.deletedAt} is null)`;
  const rows = await db
    .select({
      id: g.id,
      name: g.name,
      role: gm.role,
      inviteCode: g.inviteCode,
      joinedAt: gm.joinedAt,
      memberCount,
    })
    .from(gm)
    .innerJoin(g, eq(g.id, gm.groupId))
    .where(groupId ? and(eq(gm.userId, userId), eq(gm.groupId, groupId)) : eq(gm.userId, userId))
    .orderBy(asc(gm.joinedAt), asc(g.id));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role as GroupRole,
    memberCount: Number(r.memberCount),
    inviteCode: r.role === 'owner' ? r.inviteCode : null,
    joinedAt: r.joinedAt,
  }));
}

/** `groups.list`: the caller's groups with member counts and their role. */
export async function listGroups(svc: Service): Promise<{ items: GroupSummary[] }> {
  return { items: await summariesOf(svc.db, svc.caller.userId) };
}

/** The ids of the groups the user is a member of (at most `groups.perUser`). */
export async function memberGroupIds(db: Executor, userId: string): Promise<string[]> {
  const rows = await db.select({ groupId: gm.groupId }).from(gm).where(eq(gm.userId, userId));
  return rows.map((r) => r.groupId);
}
