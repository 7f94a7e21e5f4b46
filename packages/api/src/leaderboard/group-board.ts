import { type Executor, schema } from '@skillbytes/db';
import type { LeaderboardWindow } from '@skillbytes/shared';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { DomainError } from '../errors.ts';

const gm = schema.groupMembers;
const u = schema.users;

/** A period window's points table, read through the member's (period start, user) primary key. */
const periodPoints = {
  week: { table: schema.weeklyPoints, start: schema.weeklyPoints.weekStart },
  month: { table: schema.monthlyPoints, start: schema.monthlyPoints.monthStart },
} as const;

/** The row shape ranking.ts turns into entries. */
export type GroupBoardRow = {
  id: string;
  username: string | null;
  points: number | string;
  rank: number | string;
};

/** A group's board is for its members only; anyone else cannot tell it exists. */
export async function requireGroupMember(
  db: Executor,
  groupId: string,
  userId: string | undefined,
): Promise<void> {
  const [row] = !userId
    ? []
    : await db
        .select({ userId: gm.userId })
        .from(gm)
        .where(and(eq(gm.groupId, groupId), eq(gm.userId, userId)));
  if (!row) throw new DomainError('GROUP_NOT_FOUND', 'No such group');
}

/**
 * The group's board, ranked: its active members (deleted accounts vanish, as from the global board),
 * in board order (points desc, id), ties sharing a rank (1, 2, 2, 4). Read through the group's members
 * (the primary key leads with group_id), so its cost is O(members), at most the member cap, whatever
 * the number of users outside it. In the weekly and monthly windows only members with points in the
 * period (starting on `periodStart`) are ranked.
 */
function groupBoard(window: LeaderboardWindow, groupId: string, periodStart: string): SQL {
  const pp = window === 'all' ? null : periodPoints[window];
  const points = pp ? sql`coalesce(${pp.table.points}, 0)` : sql`${u.points}`;
  const inPeriod = pp
    ? sql`left join ${pp.table} on ${pp.table.userId} = ${u.id} and ${pp.start} = ${periodStart}`
    : sql``;
  const onBoard = pp ? sql`${points} > 0` : sql`true`;
  return sql`select ${u.id} as id, ${u.username} as username, ${points} as points,
      rank() over (order by ${points} desc) as rank,
      row_number() over (order by ${points} desc, ${u.id}) as pos
    from ${gm} join ${u} on ${u.id} = ${gm.userId} and ${u.deletedAt} is null ${inPeriod}
    where ${gm.groupId} = ${groupId} and ${onBoard}`;
}

/** `take` rows of the group's board after the position (points, id), or from the top without one. */
export async function groupTopRows(
  db: Executor,
  q: { window: LeaderboardWindow; groupId: string; periodStart: string; take: number },
  after: { points: number; id: string } | null,
): Promise<GroupBoardRow[]> {
  const past = after
    ? sql`points < ${after.points} or (points = ${after.points} and id > ${after.id}::uuid)`
    : sql`true`;
  const result = await db.execute<GroupBoardRow>(sql`
    with board as (${groupBoard(q.window, q.groupId, q.periodStart)})
    select id, username, points, rank from board where ${past} order by pos limit ${q.take}`);
  return result.rows;
}

/**
 * The caller and the two entries on each side, with `part` as in ranking.ts. A caller not on a
 * weekly or monthly board (no points in the period) gets the last two ranked entries above and nothing below.
 */
export async function groupMeRows(
  db: Executor,
  q: { window: LeaderboardWindow; groupId: string; periodStart: string; userId: string },
): Promise<(GroupBoardRow & { part: string })[]> {
  const result = await db.execute<GroupBoardRow & { part: string }>(sql`
    with board as (${groupBoard(q.window, q.groupId, q.periodStart)}),
    mine as (select pos from board where id = ${q.userId}::uuid),
    anchor as (select coalesce((select pos from mine), (select count(*) + 1 from board)) as pos)
    select id, username, points, rank,
      case when board.pos < anchor.pos then 'above' when board.pos = anchor.pos then 'me' else 'below' end as part
    from board, anchor
    where board.pos between anchor.pos - 2 and anchor.pos + 2
    order by board.pos`);
  return result.rows;
}
