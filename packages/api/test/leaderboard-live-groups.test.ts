import { randomUUID } from 'node:crypto';
import type { LeaderboardChange } from '@skillbytes/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../src/events/bus.ts';
import { leaderboardStream } from '../src/leaderboard/live.ts';
import { createTestApi, type TestApi } from './helpers.ts';
import {
  awardPoints,
  busCaughtUp,
  callerWithSignal,
  collect,
  leaderboardTicks,
  openStreams,
  type Tracked,
} from './realtime-fixtures.ts';
import { expectTrpcError } from './trpc-errors.ts';

/** `leaderboard.onChange` following league membership (`group.members.changed`), with the default stream slots. */
let api: TestApi;
type User = Awaited<ReturnType<TestApi['createUser']>>;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.close());

/**
 * The domain's stream with no push interval: every change it lets through is one push, tracked by that
 * event's id, so a test can say exactly which changes reached a subscriber, in order.
 */
function everyTick(user: User) {
  return collect<Tracked<LeaderboardChange>>((signal) =>
    leaderboardStream(api.service(user), { lastEventId: null, signal, intervalMs: 0 }),
  );
}

type Stream = ReturnType<typeof everyTick>;

/**
 * Opens an `everyTick` stream for each user once the bus delivered what came before, and waits until
 * all have subscribed: they hear exactly what is committed from then on.
 */
async function opened<U extends User[]>(...users: U): Promise<{ [K in keyof U]: Stream }> {
  await busCaughtUp(api);
  const before = api.services.streams.open;
  const streams = users.map(everyTick);
  await openStreams(api, before + streams.length);
  return streams as { [K in keyof U]: Stream };
}

/** The id of the event the last committed change of this kind published. */
const lastEvent = async (type: keyof EventMap) => String(await api.services.events.latestId([type]));

async function newLeague(owner: User, ...members: User[]) {
  const group = await api.as(owner).groups.create({ name: 'League' });
  for (const m of members) await api.as(m).groups.join({ inviteCode: group.inviteCode });
  return group;
}

const user = () => api.createUser();

const idsOf = async (s: Stream, n: number) => (await s.take(n)).map(([id]) => id);

describe('leaderboard.onChange follows league membership', () => {
  it('ticks every member when someone joins, leaves or is removed, and nobody else', async () => {
    const [owner, member, newcomer, outsider, outsiderFriend] = await Promise.all([
      user(),
      user(),
      user(),
      user(),
      user(),
    ]);
    const league = await newLeague(owner, member);
    // The outsider is in a league of their own, not this one.
    await newLeague(outsider, outsiderFriend);
    const [o, m, x] = await opened(owner, member, outsider);

    await api.as(newcomer).groups.join({ inviteCode: league.inviteCode });
    const joined = await lastEvent('group.members.changed');
    await api.as(newcomer).groups.leave({ groupId: league.id });
    const left = await lastEvent('group.members.changed');
    await api.as(owner).groups.removeMember({ groupId: league.id, userId: member.id });
    const removed = await lastEvent('group.members.changed');
    // The removed member is out: a join after that is not theirs to hear of.
    await api.as(newcomer).groups.join({ inviteCode: league.inviteCode });
    const rejoined = await lastEvent('group.members.changed');
    // Points tick everyone: the end of what each subscriber is sent, and the proof that none of them
    // was sent a membership change in between that it should not have been.
    await awardPoints(api, member, 3);
    const paidMember = await lastEvent('points.changed');
    await awardPoints(api, outsider, 5);
    const paidOutsider = await lastEvent('points.changed');

    expect(await idsOf(o, 6)).toEqual([joined, left, removed, rejoined, paidMember, paidOutsider]);
    expect(await idsOf(m, 5)).toEqual([joined, left, removed, paidMember, paidOutsider]);
    expect(await idsOf(x, 2)).toEqual([paidMember, paidOutsider]);
    // A membership change is a tick with nobody's points in it.
    expect(o.items.slice(0, 4).map(([, c]) => c)).toEqual(Array(4).fill({ mine: null }));
    expect(m.items[3]![1]).toEqual({ mine: { points: 3, delta: 3 } });
    await Promise.all([o.close(), m.close(), x.close()]);
  });

  it('follows a league the subscriber creates after the stream opened', async () => {
    const [owner, friend] = await Promise.all([user(), user()]);
    const [s] = await opened(owner);
    const league = await newLeague(owner);
    const created = await lastEvent('group.members.changed');
    await api.as(friend).groups.join({ inviteCode: league.inviteCode });
    const joined = await lastEvent('group.members.changed');
    await awardPoints(api, owner, 1);
    const paid = await lastEvent('points.changed');

    expect(await idsOf(s, 3)).toEqual([created, joined, paid]);
    await s.close();
  });

  it("follows the subscriber's own joins and leaves after the stream opened", async () => {
    const [owner, late, other] = await Promise.all([user(), user(), user()]);
    const league = await newLeague(owner);
    const [s] = await opened(late);

    await api.as(late).groups.join({ inviteCode: league.inviteCode });
    const ownJoin = await lastEvent('group.members.changed');
    await api.as(other).groups.join({ inviteCode: league.inviteCode });
    const otherJoin = await lastEvent('group.members.changed');
    await api.as(late).groups.leave({ groupId: league.id });
    const ownLeave = await lastEvent('group.members.changed');
    await api.as(other).groups.leave({ groupId: league.id });
    await awardPoints(api, late, 1);
    const paid = await lastEvent('points.changed');

    expect(await idsOf(s, 4)).toEqual([ownJoin, otherJoin, ownLeave, paid]);
    await s.close();
  });

  it('announces only what changed: a repeated join, a wrong code and a refused removal publish nothing', async () => {
    const [owner, member] = await Promise.all([user(), user()]);
    const league = await newLeague(owner, member);
    const before = await lastEvent('group.members.changed');

    await api.as(member).groups.join({ inviteCode: league.inviteCode });
    await expectTrpcError(
      api.as(member).groups.join({ inviteCode: 'AAAAAAAAAAAAAAAA' }),
      'NOT_FOUND',
      'INVITE_INVALID',
    );
    await expectTrpcError(
      api.as(member).groups.removeMember({ groupId: league.id, userId: owner.id }),
      'FORBIDDEN',
      'NOT_GROUP_OWNER',
    );
    await expectTrpcError(
      api.as(owner).groups.removeMember({ groupId: league.id, userId: randomUUID() }),
      'NOT_FOUND',
      'USER_NOT_FOUND',
    );
    expect(await lastEvent('group.members.changed')).toBe(before);
  });

  it('through the router: the owner is ticked when a friend joins, and on resume', async () => {
    const [owner, friend, later] = await Promise.all([user(), user(), user()]);
    const league = await newLeague(owner);
    await busCaughtUp(api);
    const open = api.services.streams.open;
    const live = leaderboardTicks(api, owner);
    await openStreams(api, open + 1);
    await api.as(friend).groups.join({ inviteCode: league.inviteCode });
    const [[id, change]] = (await live.take(1)) as [Tracked<LeaderboardChange>];
    expect(id).toBe(await lastEvent('group.members.changed'));
    expect(change).toEqual({ mine: null });
    await live.close();

    // Away meanwhile: one tick at once on reconnect, then nothing more.
    await api.as(later).groups.join({ inviteCode: league.inviteCode });
    const resumed = leaderboardTicks(api, owner, id);
    const [[resumedAt, missed]] = (await resumed.take(1)) as [Tracked<LeaderboardChange>];
    expect(resumedAt).toBe(await lastEvent('group.members.changed'));
    expect(missed).toEqual({ mine: null });
    await resumed.close();
    const upToDate = leaderboardTicks(api, owner, resumedAt);
    expect(await upToDate.settle(200)).toHaveLength(0);
    await upToDate.close();
  });

  it('serves two tabs that each hold the inbox and a board stream', async () => {
    const user = await api.createUser();
    const tab = () => [
      collect<unknown>((signal) => callerWithSignal(api, user, signal).inbox.onMessage()),
      leaderboardTicks(api, user),
    ];
    const open = api.services.streams.open;
    const streams = [...tab(), ...tab()];
    await openStreams(api, open + streams.length);
    expect(streams.map((s) => s.isDone)).toEqual([false, false, false, false]);
    await Promise.all(streams.map((s) => s.close()));
  });
});
