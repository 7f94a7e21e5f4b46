import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './helpers.ts';
import { expectTrpcError } from './trpc-errors.ts';

/** groups.* (private leagues): membership, caps, owner-only actions, invite codes. */
let api: TestApi;
type User = Awaited<ReturnType<TestApi['createUser']>>;
const MAX_MEMBERS = 5;
const PER_USER = 3;

beforeAll(async () => {
  api = await createTestApi({ config: { groups: { maxMembers: MAX_MEMBERS, perUser: PER_USER } } });
});
afterAll(() => api?.close());

const tick = () => api.clock.advance(1000);
const create = (user: User, name = 'Friends') => {
  tick();
  return api.as(user).groups.create({ name });
};
const join = (user: User, inviteCode: string) => {
  tick();
  return api.as(user).groups.join({ inviteCode });
};
const listOf = async (user: User) => (await api.as(user).groups.list()).items;

describe('groups.create', () => {
  it('makes the caller the owner and only member, with an unguessable URL-safe code', async () => {
    const owner = await api.createUser();
    const group = await create(owner, '  Lunch club  ');
    expect(group.name).toBe('Lunch club');
    expect(group.inviteCode).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await listOf(owner)).toEqual([
      expect.objectContaining({
        id: group.id,
        name: 'Lunch club',
        role: 'owner',
        memberCount: 1,
        inviteCode: group.inviteCode,
      }),
    ]);
  });

  it('gives every group its own code', async () => {
    const owner = await api.createUser();
    const a = await create(owner, 'a');
    const b = await create(owner, 'b');
    expect(a.inviteCode).not.toBe(b.inviteCode);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['too long', 'x'.repeat(61)],
    ['a NUL', 'a\u0000b'],
    ['a lone surrogate', 'a\ud800b'],
    ['a newline', 'a\nb'],
    ['a C1 control', 'a\u0085b'],
  ])('refuses a name with %s', async (_, name) => {
    const owner = await api.createUser();
    await expectTrpcError(api.as(owner).groups.create({ name }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    expect(await listOf(owner)).toEqual([]);
  });

  it('accepts 60 characters, counted as code points', async () => {
    const owner = await api.createUser();
    expect((await create(owner, 'é'.repeat(60))).name).toBe('é'.repeat(60));
  });
});

describe('groups.join', () => {
  it('adds a member, who sees the group without its code; joining again changes nothing', async () => {
    const [owner, friend] = [await api.createUser(), await api.createUser()];
    const group = await create(owner);
    const joined = await join(friend, group.inviteCode);
    expect(joined).toMatchObject({ id: group.id, role: 'member', memberCount: 2, inviteCode: null });
    const again = await join(friend, group.inviteCode);
    expect(again).toEqual(joined);
    expect((await listOf(owner))[0]!.memberCount).toBe(2);
  });

  it('refuses an unknown or malformed code', async () => {
    const user = await api.createUser();
    await expectTrpcError(join(user, 'AAAAAAAAAAAAAAAA'), 'NOT_FOUND', 'INVITE_INVALID');
    await expectTrpcError(join(user, 'has space'), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectTrpcError(join(user, 'a\u0000'), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectTrpcError(join(user, 'x'.repeat(65)), 'BAD_REQUEST', 'VALIDATION_FAILED');
  });

  it('rate limits wrong codes per user, not right ones', async () => {
    const [owner, guesser] = [await api.createUser(), await api.createUser()];
    const group = await create(owner);
    const limit = api.services.config.rateLimits.groupJoinPerUser.limit;
    // Successful joins give their attempt back: far more than the limit go through.
    for (let i = 0; i < limit + 2; i++) await join(guesser, group.inviteCode);
    for (let i = 0; i < limit; i++) {
      await expectTrpcError(join(guesser, `guess${i}`), 'NOT_FOUND', 'INVITE_INVALID');
    }
    await expectTrpcError(join(guesser, group.inviteCode), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    // Another user is not affected.
    const other = await api.createUser();
    await expect(join(other, group.inviteCode)).resolves.toMatchObject({ id: group.id });
  });

  it('refuses a full group, and exactly fills it under concurrent joins', async () => {
    const owner = await api.createUser();
    const group = await create(owner);
    const joiners = await Promise.all(Array.from({ length: 12 }, () => api.createUser()));
    const results = await Promise.allSettled(
      joiners.map((j) => api.as(j).groups.join({ inviteCode: group.inviteCode })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_MEMBERS - 1);
    for (const r of results) {
      if (r.status === 'rejected') await expectTrpcError(Promise.reject(r.reason), 'CONFLICT', 'GROUP_FULL');
    }
    expect(await api.database.db.$count(schema.groupMembers, eq(schema.groupMembers.groupId, group.id))).toBe(
      MAX_MEMBERS,
    );
  });

  it('caps the groups one user is in, also under concurrent joins and creates', async () => {
    const user = await api.createUser();
    const owners = await Promise.all(Array.from({ length: 6 }, () => api.createUser()));
    const groups = await Promise.all(owners.map((o) => api.as(o).groups.create({ name: 'g' })));
    const results = await Promise.allSettled([
      ...groups.map((g) => api.as(user).groups.join({ inviteCode: g.inviteCode })),
      api.as(user).groups.create({ name: 'mine' }),
      api.as(user).groups.create({ name: 'mine too' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(PER_USER);
    for (const r of results) {
      if (r.status === 'rejected')
        await expectTrpcError(Promise.reject(r.reason), 'CONFLICT', 'TOO_MANY_GROUPS');
    }
    expect(await listOf(user)).toHaveLength(PER_USER);
    await expectTrpcError(api.as(user).groups.create({ name: 'one more' }), 'CONFLICT', 'TOO_MANY_GROUPS');
  });
});

describe('groups.rotateInvite', () => {
  it('replaces the code: the old one stops working, the new one works', async () => {
    const [owner, a, b] = [await api.createUser(), await api.createUser(), await api.createUser()];
    const group = await create(owner);
    await join(a, group.inviteCode);
    const rotated = await api.as(owner).groups.rotateInvite({ groupId: group.id });
    expect(rotated).toMatchObject({ id: group.id, name: group.name });
    expect(rotated.inviteCode).not.toBe(group.inviteCode);
    await expectTrpcError(join(b, group.inviteCode), 'NOT_FOUND', 'INVITE_INVALID');
    await expect(join(b, rotated.inviteCode)).resolves.toMatchObject({ id: group.id });
    // Existing members stay.
    expect((await listOf(owner))[0]!).toMatchObject({ memberCount: 3, inviteCode: rotated.inviteCode });
  });

  it('is for the owner only; a non-member learns nothing', async () => {
    const [owner, member, stranger] = [
      await api.createUser(),
      await api.createUser(),
      await api.createUser(),
    ];
    const group = await create(owner);
    await join(member, group.inviteCode);
    await expectTrpcError(
      api.as(member).groups.rotateInvite({ groupId: group.id }),
      'FORBIDDEN',
      'NOT_GROUP_OWNER',
    );
    await expectTrpcError(
      api.as(stranger).groups.rotateInvite({ groupId: group.id }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(stranger).groups.rotateInvite({ groupId: randomUUID() }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(owner).groups.rotateInvite({ groupId: 'not-a-uuid' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});

describe('groups.removeMember', () => {
  it('removes a member, who may join again with the current code', async () => {
    const [owner, member] = [await api.createUser(), await api.createUser()];
    const group = await create(owner);
    await join(member, group.inviteCode);
    expect(await api.as(owner).groups.removeMember({ groupId: group.id, userId: member.id })).toEqual({
      groupId: group.id,
      userId: member.id,
    });
    expect(await listOf(member)).toEqual([]);
    await expect(join(member, group.inviteCode)).resolves.toMatchObject({ id: group.id, role: 'member' });
  });

  it('is for the owner only, not on the owner, and not on a non-member', async () => {
    const [owner, member, stranger] = [
      await api.createUser(),
      await api.createUser(),
      await api.createUser(),
    ];
    const group = await create(owner);
    await join(member, group.inviteCode);
    await expectTrpcError(
      api.as(member).groups.removeMember({ groupId: group.id, userId: owner.id }),
      'FORBIDDEN',
      'NOT_GROUP_OWNER',
    );
    await expectTrpcError(
      api.as(stranger).groups.removeMember({ groupId: group.id, userId: member.id }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(owner).groups.removeMember({ groupId: group.id, userId: owner.id }),
      'BAD_REQUEST',
      'CANNOT_REMOVE_OWNER',
    );
    await expectTrpcError(
      api.as(owner).groups.removeMember({ groupId: group.id, userId: stranger.id }),
      'NOT_FOUND',
      'USER_NOT_FOUND',
    );
    expect((await listOf(owner))[0]!.memberCount).toBe(2);
  });
});

describe('groups.leave', () => {
  it('an owner leaving hands the group to the earliest member', async () => {
    const [owner, first, second] = [await api.createUser(), await api.createUser(), await api.createUser()];
    const group = await create(owner);
    await join(first, group.inviteCode);
    await join(second, group.inviteCode);
    expect(await api.as(owner).groups.leave({ groupId: group.id })).toEqual({
      groupId: group.id,
      deleted: false,
    });
    expect(await listOf(owner)).toEqual([]);
    expect((await listOf(first))[0]!).toMatchObject({
      role: 'owner',
      memberCount: 2,
      inviteCode: group.inviteCode,
    });
    expect((await listOf(second))[0]!).toMatchObject({ role: 'member' });
    await expect(api.as(first).groups.rotateInvite({ groupId: group.id })).resolves.toMatchObject({
      id: group.id,
    });
  });

  it('a member leaving leaves the rest; the last member leaving deletes the group', async () => {
    const [owner, member] = [await api.createUser(), await api.createUser()];
    const group = await create(owner);
    await join(member, group.inviteCode);
    expect(await api.as(member).groups.leave({ groupId: group.id })).toEqual({
      groupId: group.id,
      deleted: false,
    });
    expect((await listOf(owner))[0]!).toMatchObject({ role: 'owner', memberCount: 1 });
    expect(await api.as(owner).groups.leave({ groupId: group.id })).toEqual({
      groupId: group.id,
      deleted: true,
    });
    expect(await api.database.db.$count(schema.groups, eq(schema.groups.id, group.id))).toBe(0);
    await expectTrpcError(join(member, group.inviteCode), 'NOT_FOUND', 'INVITE_INVALID');
  });

  it('leaving a group one is not in is NOT_FOUND', async () => {
    const [owner, stranger] = [await api.createUser(), await api.createUser()];
    const group = await create(owner);
    await expectTrpcError(
      api.as(stranger).groups.leave({ groupId: group.id }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(stranger).groups.leave({ groupId: randomUUID() }),
      'NOT_FOUND',
      'GROUP_NOT_FOUND',
    );
  });

  it('concurrent leaves of every member leave no group behind and never two owners', async () => {
    const owner = await api.createUser();
    const group = await create(owner);
    const members = await Promise.all(Array.from({ length: MAX_MEMBERS - 1 }, () => api.createUser()));
    for (const m of members) await join(m, group.inviteCode);
    const results = await Promise.all(
      [owner, ...members].map((m) => api.as(m).groups.leave({ groupId: group.id })),
    );
    expect(results.filter((r) => r.deleted)).toHaveLength(1);
    expect(await api.database.db.$count(schema.groups, eq(schema.groups.id, group.id))).toBe(0);
  });
});

describe('groups.list', () => {
  it('lists only my groups, oldest membership first; deleted accounts are not counted', async () => {
    const [me, other, gone] = [await api.createUser(), await api.createUser(), await api.createUser()];
    const first = await create(me, 'first');
    const theirs = await create(other, 'theirs');
    await create(other, 'not mine');
    await join(me, theirs.inviteCode);
    await join(gone, theirs.inviteCode);
    expect((await listOf(me)).map((g) => [g.name, g.role, g.memberCount])).toEqual([
      ['first', 'owner', 1],
      ['theirs', 'member', 3],
    ]);
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, gone.id));
    expect((await listOf(me)).find((g) => g.id === theirs.id)!.memberCount).toBe(2);
    expect(first.id).toBeTruthy();
  });

  it('a deleted account cannot create or join', async () => {
    const [owner, gone] = [await api.createUser(), await api.createUser()];
    const group = await create(owner);
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, gone.id));
    await expectTrpcError(join(gone, group.inviteCode), 'NOT_FOUND', 'USER_NOT_FOUND');
    await expectTrpcError(api.as(gone).groups.create({ name: 'x' }), 'NOT_FOUND', 'USER_NOT_FOUND');
  });
});
