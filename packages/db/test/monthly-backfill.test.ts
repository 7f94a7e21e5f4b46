import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { seedStarterPool } from '../src/index.ts';
import { earlierSchemas } from './earlier-schema.ts';

const { openAt } = earlierSchemas('sb-monthly-backfill-');
/** The last migration before monthly_points. */
const BEFORE = '0010_groups';

/**
 * The backfill reads the database's own clock (`now()`), as a migration runs whenever it is deployed, so
 * the completions are placed relative to the current UTC month's first instant.
 */
const MONTH_START = sql`(date_trunc('month', now() at time zone 'UTC') at time zone 'UTC')`;

describe('the monthly_points migrations on a database with completions in it', () => {
  it("backfill the current UTC month's points per user, and a histogram of the active ones only", async () => {
    const handle = await openAt(BEFORE);
    await seedStarterPool(handle.db);
    const challenges = (
      await handle.db.execute<{ id: string }>(
        sql`select id::text as id from challenges order by slug limit 3`,
      )
    ).rows.map((r) => r.id);
    const userIds: string[] = [];
    for (const [email, deleted] of [
      ['a@example.com', false],
      ['b@example.com', false],
      ['c@example.com', false],
      ['gone@example.com', true],
    ] as const) {
      const row = await handle.db.execute<{ id: string }>(sql`
        insert into users (email, password_hash, deleted_at)
        values (${email}, 'x', ${deleted ? sql`now()` : sql`null`}) returning id::text as id`);
      userIds.push(row.rows[0]!.id);
    }
    const [a, b, c, gone] = userIds;
    const complete = (
      userId: string | undefined,
      challenge: number,
      points: number,
      at: ReturnType<typeof sql>,
    ) =>
      handle.db.execute(sql`
        insert into completions (user_id, challenge_id, points, day, awarded_at)
        values (${userId}::uuid, ${challenges[challenge]}::uuid, ${points}, (${at})::date, ${at})`);
    // a: the month's first instant and later this month (counted), the instant before it (last month).
    await complete(a, 0, 10, MONTH_START);
    await complete(a, 1, 15, sql`${MONTH_START} + interval '1 hour'`);
    await complete(a, 2, 99, sql`${MONTH_START} - interval '1 microsecond'`);
    // b ties a's month total; c only solved last month; the deleted account solved this month.
    await complete(b, 0, 25, sql`${MONTH_START} + interval '2 hours'`);
    await complete(c, 0, 40, sql`${MONTH_START} - interval '40 days'`);
    await complete(gone, 0, 30, MONTH_START);

    await handle.migrate();

    const month = (
      await handle.db.execute<{ m: string }>(
        sql`select (date_trunc('month', now() at time zone 'UTC'))::date::text as m`,
      )
    ).rows[0]!.m;
    const points = await handle.db.execute<{ user_id: string; month_start: string; points: number }>(sql`
      select user_id::text, month_start::text, points from monthly_points order by points, user_id`);
    expect(points.rows.map((r) => ({ ...r, points: Number(r.points) }))).toEqual(
      [
        { user_id: a, month_start: month, points: 25 },
        { user_id: b, month_start: month, points: 25 },
        { user_id: gone, month_start: month, points: 30 },
      ].sort((x, y) => x.points - y.points || x.user_id!.localeCompare(y.user_id!)),
    );
    const histogram = await handle.db.execute<{ month_start: string; points: number; users: number }>(sql`
      select month_start::text, points, users from monthly_points_histogram where users <> 0`);
    expect(histogram.rows.map((r) => ({ ...r, points: Number(r.points), users: Number(r.users) }))).toEqual([
      { month_start: month, points: 25, users: 2 },
    ]);

    // The triggers run from here on: restoring the deleted account counts its month, a hard delete uncounts it.
    await handle.db.execute(sql`update users set deleted_at = null where id = ${gone}::uuid`);
    await handle.db.execute(sql`delete from users where id = ${a}::uuid`);
    const after = await handle.db.execute<{ points: number; users: number }>(sql`
      select points, users from monthly_points_histogram where users <> 0 order by points`);
    expect(after.rows.map((r) => [Number(r.points), Number(r.users)])).toEqual([
      [25, 1],
      [30, 1],
    ]);
  });
});
