import { type Executor, prepareSql, schema, statementsFor } from '@skillbytes/db';
import type {
  LeaderboardEntry,
  LeaderboardMe,
  LeaderboardMeInput,
  LeaderboardTopInput,
  LeaderboardWindow,
  Page,
} from '@skillbytes/shared';
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { monthStartUtc, weekStartUtc } from '../lib/local-day.ts';
import type { Service, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { cursorCodec } from '../lib/cursor.ts';
import { firstPage } from './first-pages.ts';
import { groupMeRows, groupTopRows, requireGroupMember } from './group-board.ts';

const u = schema.users;
const hist = schema.pointsHistogram;

/**
 * One window of the leaderboard as SQL pieces. Rows are in board order, (points desc, id), and every
 * window walks an index in that order: users_leaderboard_idx, weekly_points_rank_idx and
 * monthly_points_rank_idx. Their points columns are indexed `DESC NULLS LAST`, so every ORDER BY says so
 * too, or the planner sorts the table.
 */
type Board = {
  /** Ranked rows `id, username, points`: active accounts only, and in a week or month only points > 0. */
  rows(where: SQL, order: SQL, limit: Limit): SQL;
  /** The board's histogram rows `points, users` matching `where` (on `points`). */
  histogram(where: SQL): SQL;
  /** The user's own `id, username, points` in this window (0 without points in the period); no row if deleted. */
  member(userId: SQLWrapper): SQL;
  /** The points and id columns `rows` filters and orders on. */
  points: SQL;
  id: SQL;
};

/** A row count: a constant, or a placeholder filled per call. */
type Limit = number | SQLWrapper;

/** Values of the prepared statements below, filled per call (`sql.placeholder`). */
const period = sql.placeholder('period');
const take = sql.placeholder('take');
const afterPoints = sql.placeholder('afterPoints');
const afterId = sql.placeholder('afterId');

/**
 * A window over a period's points: its table of (period start, user, points) and that table's histogram.
 * The period is the one starting on the `period` value.
 */
type Period = {
  points: { table: SQLWrapper; start: SQLWrapper; userId: SQLWrapper; points: SQLWrapper };
  histogram: { table: SQLWrapper; start: SQLWrapper; points: SQLWrapper; users: SQLWrapper };
};

const wp = schema.weeklyPoints;
const whist = schema.weeklyPointsHistogram;
const mp = schema.monthlyPoints;
const mhist = schema.monthlyPointsHistogram;
const periods: Record<Exclude<LeaderboardWindow, 'all'>, Period> = {
  week: {
    points: { table: wp, start: wp.weekStart, userId: wp.userId, points: wp.points },
    histogram: { table: whist, start: whist.weekStart, points: whist.points, users: whist.users },
  },
  month: {
    points: { table: mp, start: mp.monthStart, userId: mp.userId, points: mp.points },
    histogram: { table: mhist, start: mhist.monthStart, points: mhist.points, users: mhist.users },
  },
};

/** The first day of the window's current period (UTC): a week starts on Monday, a month on the 1st. */
function periodStart(window: LeaderboardWindow, now: Date): string {
  return window === 'month' ? monthStartUtc(now) : weekStartUtc(now);
}

/** The all-time window reads users.points; the others a period's points, through `periods`. */
function boardOf(window: LeaderboardWindow): Board {
  if (window === 'all') {
    return {
      rows: (where, order, limit) => sql`
        select ${u.id} as id, ${u.username} as username, ${u.points} as points
        from ${u} where ${u.deletedAt} is null and ${where}
        order by ${order} limit ${limit}`,
      histogram: (where) =>
        sql`select ${hist.points} as points, ${hist.users} as users from ${hist} where ${where}`,
      member: (userId) => sql`
        select ${u.id} as id, ${u.username} as username, ${u.points} as points
        from ${u} where ${u.id} = ${userId} and ${u.deletedAt} is null`,
      points: sql`${u.points}`,
      id: sql`${u.id}`,
    };
  }
  const { points: p, histogram: h } = periods[window];
  return {
    // Deleted accounts are skipped by the join; their period rows stay (a restored account gets them back).
    rows: (where, order, limit) => sql`
      select ${p.userId} as id, ${u.username} as username, ${p.points} as points
      from ${p.table} join ${u} on ${u.id} = ${p.userId}
      where ${p.start} = ${period} and ${p.points} > 0 and ${u.deletedAt} is null and ${where}
      order by ${order} limit ${limit}`,
    histogram: (where) => sql`
      select ${h.points} as points, ${h.users} as users from ${h.table}
      where ${h.start} = ${period} and ${where}`,
    member: (userId) => sql`
      select ${u.id} as id, ${u.username} as username,
        coalesce((select ${p.points} from ${p.table} where ${p.start} = ${period} and ${p.userId} = ${u.id}), 0) as points
      from ${u} where ${u.id} = ${userId} and ${u.deletedAt} is null`,
    points: sql`${p.points}`,
    id: sql`${p.userId}`,
  };
}

const inBoardOrder = (b: Board) => sql`${b.points} desc nulls last, ${b.id}`;
const inReverseOrder = (b: Board) => sql`${b.points} asc nulls first, ${b.id} desc`;

/**
 * Rows strictly after the position (points, id) in board order: the rest of the tie, then lower totals.
 * Two index ranges, because the order mixes directions, which one row comparison cannot express;
 * each stops after `limit` rows, so a deep page costs what the first does.
 */
function rowsAfter(b: Board, points: SQL, id: SQL, limit: Limit): SQL {
  return sql`select * from (
    (${b.rows(sql`${b.points} = ${points} and ${b.id} > ${id}`, sql`${b.id}`, limit)})
    union all
    (${b.rows(sql`${b.points} < ${points}`, inBoardOrder(b), limit)})
  ) after_position order by points desc, id limit ${limit}`;
}

/** Rows strictly before the position, nearest first. */
function rowsBefore(b: Board, points: SQL, id: SQL, limit: Limit): SQL {
  return sql`select * from (
    (${b.rows(sql`${b.points} = ${points} and ${b.id} < ${id}`, sql`${b.id} desc`, limit)})
    union all
    (${b.rows(sql`${b.points} > ${points}`, inReverseOrder(b), limit)})
  ) before_position order by points, id desc limit ${limit}`;
}

/**
 * Ranks the rows of `page` (a CTE of `id, username, points`), in one statement with them, so the ranks
 * agree with the rows whatever commits meanwhile. Competition ranking (1, 2, 2, 4): a rank is 1 + the
 * users with more points. From the histogram: one sum over the totals above the page's highest, plus
 * the few totals within the page's range: O(distinct totals), never O(users).
 */
function ranked(b: Board, ctes: SQL): SQL {
  return sql`
    with ${ctes},
    bounds as (select max(points) as hi, min(points) as lo from page),
    band as (${b.histogram(sql`points > (select lo from bounds) and points <= (select hi from bounds)`)})
    select page.*,
      1 + (select coalesce(sum(users), 0) from (${b.histogram(sql`points > (select hi from bounds)`)}) above)
        + coalesce((select sum(band.users) from band where band.points > page.points), 0) as rank
    from page`;
}

type RankedRow = {
  id: string;
  username: string | null;
  points: number | string;
  rank: number | string;
  part?: string;
};

/** Users without a username are shown by a stable name that no username can take (usernames have no dash). */
export function displayName(userId: string, username: string | null): string {
  return username ?? `player-${userId.slice(0, 8)}`;
}

const toEntry = (r: RankedRow): LeaderboardEntry => ({
  rank: Number(r.rank),
  userId: r.id,
  username: displayName(r.id, r.username),
  points: Number(r.points),
});

/** Keyset position: the last row's (points, id). */
const boardCursor = cursorCodec({ points: 'count', id: 'uuid' });

/** `leaderboard.top`: the rows of `page`, ranked. */
function topOf(b: Board, page: SQL): SQL {
  return sql`
    ${ranked(b, sql`page as (${page})`)}
    order by page.points desc, page.id`;
}

/** `leaderboard.me`: the user, the two entries above and the two below, ranked. */
function meOf(b: Board, userId: SQLWrapper): SQL {
  const myPoints = sql`(select points from me)`;
  const myId = sql`(select id from me)`;
  return sql`
    ${ranked(
      b,
      sql`me as (${b.member(userId)}),
      above as (${rowsBefore(b, myPoints, myId, 2)}),
      below as (${rowsAfter(b, myPoints, myId, 2)}),
      page as (
        select *, 'above' as part from above
        union all select *, 'me' as part from me
        union all select *, 'below' as part from below
      )`,
    )}
    order by page.points desc, page.id`;
}

/** Every board statement, prepared once per database: the first page, a page after a cursor, the caller's neighbourhood. */
const statements = statementsFor((db: Executor) => {
  const forWindow = (window: LeaderboardWindow) => {
    const b = boardOf(window);
    return {
      first: prepareSql<RankedRow>(
        db,
        `leaderboard_top_${window}`,
        topOf(b, b.rows(sql`true`, inBoardOrder(b), take)),
      ),
      after: prepareSql<RankedRow>(
        db,
        `leaderboard_top_${window}_after`,
        topOf(b, rowsAfter(b, sql`${afterPoints}`, sql`${afterId}::uuid`, take)),
      ),
      me: prepareSql<RankedRow>(db, `leaderboard_me_${window}`, meOf(b, sql.placeholder('userId'))),
    };
  };
  return {
    all: forWindow('all'),
    week: forWindow('week'),
    month: forWindow('month'),
  } satisfies Record<LeaderboardWindow, unknown>;
});

/** One page of a window, ranked; the cursor continues after its last entry, through ties. */
export async function leaderboardTop(
  svc: ServiceContext,
  input: z.output<typeof LeaderboardTopInput>,
): Promise<Page<LeaderboardEntry> & { window: LeaderboardWindow }> {
  const after = boardCursor.decode(input.cursor);
  const board = statements(svc.db)[input.window];
  const values = { period: periodStart(input.window, svc.now), take: input.limit + 1 };
  const pageOf = (rows: RankedRow[]) => {
    const entries = boardCursor.page(rows.map(toEntry), input.limit, (e) => ({
      points: e.points,
      id: e.userId,
    }));
    return { window: input.window, items: entries.rows, nextCursor: entries.nextCursor };
  };
  if (input.groupId) {
    // Group boards are not cached: they are small to read, and held pages would mix boards.
    await requireGroupMember(svc.db, input.groupId, svc.caller?.userId);
    const q = { window: input.window, groupId: input.groupId, periodStart: values.period, take: values.take };
    return pageOf(await groupTopRows(svc.db, q, after));
  }
  if (after) {
    return pageOf(
      (await board.after.execute({ ...values, afterPoints: after.points, afterId: after.id })).rows,
    );
  }
  const key = `${input.window} ${values.period} ${input.limit}`;
  return firstPage(svc.events, svc.config.leaderboardCacheMs, key, async () =>
    pageOf((await board.first.execute(values)).rows),
  );
}

/**
 * The caller's rank and points with the two entries just above and just below, in one statement:
 * the neighbours come from index ranges next to the caller's position, the ranks from the histogram.
 * In the weekly and monthly windows a caller without points in the period is not ranked: `rank` is null, `above`
 * holds the last two ranked entries and `below` is empty.
 */
export async function leaderboardMe(
  svc: Service,
  input: z.output<typeof LeaderboardMeInput>,
): Promise<LeaderboardMe> {
  const userId = svc.caller.userId;
  const start = periodStart(input.window, svc.now);
  const rows = input.groupId
    ? await groupMeOf(svc, { window: input.window, groupId: input.groupId, periodStart: start, userId })
    : (await statements(svc.db)[input.window].me.execute({ userId, period: start })).rows;
  const mine = rows.find((r) => r.part === 'me');
  if (!mine) throw new DomainError('USER_NOT_FOUND', 'No such user');
  const points = Number(mine.points);
  const isRanked = input.window === 'all' || points > 0;
  return {
    window: input.window,
    rank: isRanked ? Number(mine.rank) : null,
    points,
    username: displayName(mine.id, mine.username),
    above: rows.filter((r) => r.part === 'above').map(toEntry),
    below: rows.filter((r) => r.part === 'below').map(toEntry),
  };
}

/**
 * The caller's neighbourhood on a group board. A caller off a weekly or monthly board (no points in the
 * period) has no ranked row: their own row is added unranked with 0 points, as on the global boards.
 */
async function groupMeOf(
  svc: Service,
  q: { window: LeaderboardWindow; groupId: string; periodStart: string; userId: string },
): Promise<RankedRow[]> {
  await requireGroupMember(svc.db, q.groupId, q.userId);
  const rows: RankedRow[] = await groupMeRows(svc.db, q);
  if (rows.some((r) => r.part === 'me')) return rows;
  const [me] = await svc.db
    .select({ id: u.id, username: u.username })
    .from(u)
    .where(sql`${u.id} = ${q.userId} and ${u.deletedAt} is null`);
  return me ? [...rows, { ...me, points: 0, rank: 0, part: 'me' }] : rows;
}
