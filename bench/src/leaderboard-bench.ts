/**
 * Leaderboard latency at 10k, 100k and 1M users: `top` (first page, and a deep page reached by
 * cursor) and `me` (a top, a middle and a bottom user), in both windows, through the domain functions
 * on PostgreSQL. Also prints what `me`'s rank would cost by counting the users above (the O(rank)
 * way the histogram replaces) and what paying points costs with the histogram triggers.
 *
 *   cd bench && BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx src/leaderboard-bench.ts
 *
 * Creates its own database and drops it at the end. Users are seeded with set-based SQL
 * (generate_series): points skewed towards 0 (a power law), about 20% with points this week. The
 * seed bypasses the histogram triggers and rebuilds the histograms in one GROUP BY, as the migration
 * does for existing rows; the "pay points" figure measures the triggers themselves.
 */
import { randomBytes } from 'node:crypto';
import { leaderboardMe, leaderboardTop } from '@skillbytes/api/leaderboard';
import { createDatabase, type Database } from '@skillbytes/db';
import pg from 'pg';
import { adminQuery, withDatabase } from './sql-client.ts';

const SIZES = [10_000, 100_000, 1_000_000];
const REPEAT = 30;
const adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) {
  console.error('Set BENCH_DATABASE_URL to a PostgreSQL server URL (a database is created and dropped).');
  process.exit(2);
}

const now = new Date();
// The weekly board's key for `now` (Monday, UTC), as PostgreSQL computes it for the dataset's weekly points.
const [{ week } = { week: '' }] = await adminQuery<{ week: string }>(
  adminUrl,
  `select date_trunc('week', '${now.toISOString()}'::timestamptz at time zone 'UTC')::date::text as week`,
);
const dbName = `sb_bench_lb_${randomBytes(4).toString('hex')}`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Median milliseconds of `REPEAT` calls, after a few warm-up calls. */
async function time(fn: () => Promise<unknown>, repeat = REPEAT): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** Adds users `from + 1 .. to`; points ~ 5000 * u^4 (most near 0), every fifth with weekly points. */
async function seed(q: Query, from: number, to: number) {
  await q('alter table users disable trigger leaderboard_users_histogram');
  await q('alter table weekly_points disable trigger leaderboard_weekly_histogram');
  await q(
    `insert into users (id, email, username, password_hash, points, created_at)
    select md5('u' || i)::uuid, 'bench' || i || '@example.com',
      case when i % 10 = 0 then null else 'bench_' || i end,
      'x',
      floor(5000 * power(((hashtext('p' || i)::bigint & 2147483647) / 2147483647.0), 4))::int,
      now() - interval '1 day'
    from generate_series($1::int, $2::int) as i`,
    [from + 1, to],
  );
  await q(
    `insert into weekly_points (week_start, user_id, points)
    select $3::date, md5('u' || i)::uuid,
      1 + floor(200 * power(((hashtext('w' || i)::bigint & 2147483647) / 2147483647.0), 3))::int
    from generate_series($1::int, $2::int) as i
    where (hashtext('w' || i)::bigint & 2147483647) % 5 = 0`,
    [from + 1, to, week],
  );
  await q('alter table users enable trigger leaderboard_users_histogram');
  await q('alter table weekly_points enable trigger leaderboard_weekly_histogram');
  await q('truncate points_histogram, weekly_points_histogram');
  await q(`insert into points_histogram (points, users)
    select points, count(*) from users where deleted_at is null and points > 0 group by points`);
  await q(`insert into weekly_points_histogram (week_start, points, users)
    select w.week_start, w.points, count(*) from weekly_points w join users u on u.id = w.user_id
    where u.deleted_at is null and w.points > 0 group by w.week_start, w.points`);
  await q('analyze users');
  await q('analyze weekly_points');
}

type Pick = { id: string; points: number };
type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/** Users at the top, middle and bottom of a window, and the cursor of a deep page (half way down). */
async function landmarks(q: Query, window: 'all' | 'week') {
  const from =
    window === 'all'
      ? `from users where deleted_at is null`
      : `from weekly_points where week_start = '${week}' and points > 0`;
  const id = window === 'all' ? 'id' : 'user_id';
  const count = Number((await q(`select count(*) as n ${from}`)).rows[0]?.n);
  const at = async (offset: number) =>
    (await q(`select ${id} as id, points ${from} order by points desc, ${id} offset $1 limit 1`, [offset]))
      .rows[0] as Pick;
  const middle = await at(Math.floor(count / 2));
  return {
    count,
    top: await at(0),
    middle,
    bottom: await at(count - 1),
    deepCursor: Buffer.from(JSON.stringify([middle.points, middle.id])).toString('base64url'),
  };
}

/** Pays points the way a completion does (users.points, weekly_points), so the triggers run. */
async function payPoints(pool: pg.Pool, userId: string, points: number) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('update users set points = points + $2 where id = $1', [userId, points]);
    await client.query(
      `insert into weekly_points (week_start, user_id, points) values ($3, $1, $2)
      on conflict (week_start, user_id) do update set points = weekly_points.points + excluded.points`,
      [userId, points, week],
    );
    await client.query('commit');
  } finally {
    client.release();
  }
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/**
 * A service context for the domain functions, which read only its database, instant and caller's id,
 * and the first-page cache's lifetime: off, so every call is timed reading the board.
 */
const serviceFor = (db: Database, userId = '') =>
  ({
    db,
    now,
    config: { leaderboardCacheMs: 0 },
    caller: { kind: 'session', userId, role: 'user', sessionId: '' },
  }) as unknown as Parameters<typeof leaderboardMe>[0];

async function main() {
  await adminQuery(adminUrl!, `create database "${dbName}"`);
  const url = withDatabase(adminUrl!, dbName);
  const handle = createDatabase({ url, poolMax: 4 });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const q: Query = (text, values) => pool.query(text, values);
  const started = Date.now();
  try {
    await handle.migrate();
    const svc = serviceFor(handle.db);
    const rows: Record<string, string>[] = [];
    let seeded = 0;
    for (const size of SIZES) {
      const t0 = performance.now();
      await seed(q, seeded, size);
      seeded = size;
      const seedSec = (performance.now() - t0) / 1000;
      const row: Record<string, string> = { users: size.toLocaleString('en'), 'seed s': seedSec.toFixed(1) };
      for (const window of ['all', 'week'] as const) {
        const l = await landmarks(q, window);
        row[`${window}: ranked`] = l.count.toLocaleString('en');
        row[`${window}: top p1`] = fmt(await time(() => leaderboardTop(svc, { window, limit: 20 })));
        row[`${window}: top deep`] = fmt(
          await time(() => leaderboardTop(svc, { window, limit: 20, cursor: l.deepCursor })),
        );
        for (const [name, user] of [
          ['top', l.top],
          ['middle', l.middle],
          ['bottom', l.bottom],
        ] as const) {
          row[`${window}: me ${name}`] = fmt(
            await time(() => leaderboardMe(serviceFor(handle.db, user.id), { window })),
          );
        }
        if (window === 'all') {
          row['all: count-above (bottom)'] = fmt(
            await time(
              () =>
                q('select count(*) from users where deleted_at is null and points > $1', [l.bottom.points]),
              5,
            ),
          );
        }
      }
      const payer = (await landmarks(q, 'all')).middle;
      row['pay points'] = fmt(await time(() => payPoints(pool, payer.id, 1)));
      rows.push(row);
      console.error(
        `${size.toLocaleString('en')} users done (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    const keys = Object.keys(rows[0]!);
    const width = Math.max(...keys.map((k) => k.length));
    const colWidth = Math.max(...rows.flatMap((r) => Object.values(r).map((v) => v.length))) + 2;
    console.log(`leaderboard latency (median of ${REPEAT} calls through the domain functions, PostgreSQL)`);
    for (const key of keys) {
      console.log(`${key.padEnd(width)}  ${rows.map((r) => (r[key] ?? '').padStart(colWidth)).join('')}`);
    }
  } finally {
    await pool.end();
    await handle.close();
    await adminQuery(adminUrl!, `drop database if exists "${dbName}" with (force)`);
  }
}

await main();
