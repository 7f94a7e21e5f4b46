/**
 * Longer than ~300 lines on purpose: one SQL statement per table, in load order, reads best in one place.
 *
 * The benchmark dataset: users, challenges, completions, submissions, messages, inbox state, weekly
 * points and today's daily assignments, loaded with set-based SQL (INSERT ... SELECT over
 * generate_series), never row by row through the API. Deterministic from the seed and the load day:
 * ids are md5(seed, kind, n)::uuid and every "random" choice is a hashtext() of the seed and the row
 * number. Also runnable alone:
 *
 *   node --import tsx src/dataset.ts --users 100k --seed 1 --url postgres://postgres@127.0.0.1:5432/db
 *   node --import tsx src/dataset.ts --users 10k --pglite ./tmp/pglite
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '@skillbytes/api/passwords';
import { createDatabase, loadStarterChallenges } from '@skillbytes/db';
import { pgClient, pgliteClient, type SqlClient } from './sql-client.ts';

type DatasetOptions = {
  users: number;
  seed: number;
  /** Published challenges (default 2000). At least 32, so a user's 10..30 completions and today's pick differ. */
  challenges?: number;
  /** Broadcast messages (default 40, one every 10 days). */
  broadcasts?: number;
  /**
   * Skip foreign-key checks during the load with session_replication_role = replica (default; needs a
   * superuser, falls back by itself otherwise). false: drop the foreign keys and re-add them, which
   * validates every generated reference (slower; the tests use it).
   */
  useReplicationRole?: boolean;
  log?: (line: string) => void;
};

type TableLoad = { table: string; rows: number; seconds: number };

export type DatasetReport = {
  users: number;
  seed: number;
  challenges: number;
  /** The instant every relative date was computed from. */
  generatedAt: string;
  tables: TableLoad[];
  /** Dropping and re-creating indexes and constraints, histograms, VACUUM ANALYZE. */
  indexSeconds: number;
  analyzeSeconds: number;
  totalSeconds: number;
};

/** Every seeded account, the admin included, has this password (one real argon2id hash, reused). */
export const BENCH_PASSWORD = 'bench-password-2026';
export const ADMIN_EMAIL = 'admin@bench.local';
export const userEmail = (i: number) => `user${i}@bench.local`;
/** Every 197th account is soft-deleted (it must not appear on leaderboards); never pick those to log in. */
export const isDeletedUser = (i: number) => i % 197 === 0;

/** The id the generator gives user `i` (0 is the admin): md5(`${seed}:user:${i}`) shaped as a version-4 uuid. */
export function seededUserId(seed: number, i: number): string {
  const h = createHash('md5').update(`${seed}:user:${i}`).digest('hex');
  const hex = `${h.slice(0, 12)}4${h.slice(13, 16)}${'89ab'[h.charCodeAt(16) % 4]}${h.slice(17)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const TIME_ZONES = [
  'UTC',
  'UTC',
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** Parses `10k`, `100k`, `1m`, `2500`. */
export function parseCount(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(value.trim());
  if (!m) throw new Error(`not a count: ${value} (use e.g. 10k, 100k, 1m)`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1);
  return Math.round(n);
}

export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}m`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Loads the dataset into an empty, migrated database. Secondary indexes, primary/unique keys and
 * foreign keys are dropped for the load and re-created afterwards from their catalog definitions (so
 * the schema ends exactly as the migrations made it, and re-adding the foreign keys validates every
 * generated reference); user triggers are disabled meanwhile and what they maintain (the leaderboard
 * histograms) is rebuilt with set-based SQL.
 */
export async function generateDataset(db: SqlClient, options: DatasetOptions): Promise<DatasetReport> {
  const log = options.log ?? (() => {});
  const N = options.users;
  const C = options.challenges ?? 2000;
  const B = options.broadcasts ?? 40;
  const seed = options.seed;
  if (!Number.isInteger(N) || N < 1) throw new Error('users must be a positive integer');
  if (C < 32) throw new Error('challenges must be at least 32');
  const started = performance.now();
  const generatedAt = new Date();
  const T0 = `${lit(generatedAt.toISOString())}::timestamptz`;
  /** A non-negative pseudo-random int from the seed, a salt and a row expression. */
  const hx = (salt: string, expr: string) =>
    `(hashtext(${lit(`${seed}:${salt}:`)} || (${expr})::text)::bigint & 2147483647)`;
  const uid = (kind: string, expr: string) =>
    `pg_temp.bench_uuid(md5(${lit(`${seed}:${kind}:`)} || (${expr})::text))`;

  const [existing] = await db.query<{ n: string }>('select count(*)::text as n from users');
  if (Number(existing?.n) > 0)
    throw new Error('the target database already has users: give an empty, migrated one');

  // Sorts and hash aggregates of tens of millions of rows: give them memory (the machine has plenty).
  await db.query(`set maintenance_work_mem = '${db.kind === 'pg' ? '2GB' : '128MB'}'`);
  await db.query(`set work_mem = '${db.kind === 'pg' ? '1GB' : '32MB'}'`);
  if (db.kind === 'pg') await db.query('set synchronous_commit = off');

  // An RFC 4122 version-4 shape (version nibble 4, variant 8..b) around md5 bits: the API's z.uuid()
  // accepts only well-formed UUIDs, so raw md5()::uuid values could not be passed back as inputs.
  await db.query(`create function pg_temp.bench_uuid(h text) returns uuid language sql immutable as $$
    select (substr(h, 1, 12) || '4' || substr(h, 14, 3) || substr('89ab', 1 + ascii(substr(h, 17, 1)) % 4, 1)
      || substr(h, 18))::uuid $$`);

  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const templates = await loadStarterChallenges();
  const T = templates.length;
  const topics = [...new Set(templates.flatMap((t) => t.tags))].sort();

  // --- drop what slows a bulk load ------------------------------------------------------------------------
  // As superuser, session_replication_role = replica skips foreign-key checks and user triggers for this
  // session: the foreign keys stay (no re-validation of 20M rows afterwards), and only the keys nothing
  // references are dropped. Otherwise the foreign keys go too and re-adding them validates the data.
  const ddlStarted = performance.now();
  const isReplica =
    options.useReplicationRole !== false &&
    (await db
      .query('set session_replication_role = replica')
      .then(() => true)
      .catch(() => false));
  const fks = isReplica
    ? []
    : await db.query<{ add: string; drop: string }>(`
    select format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as add,
           format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop
    from pg_constraint where connamespace = 'public'::regnamespace and contype = 'f' order by conname`);
  const keys = await db.query<{ add: string; drop: string }>(`
    select format('alter table %s add constraint %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid)) as add,
           format('alter table %s drop constraint %I', k.conrelid::regclass, k.conname) as drop
    from pg_constraint k
    where k.connamespace = 'public'::regnamespace and k.contype in ('p', 'u')
      and (${isReplica ? 'true' : 'false'} = false
           or not exists (select 1 from pg_constraint f where f.contype = 'f' and f.conindid = k.conindid))
    order by k.conname`);
  const indexes = await db.query<{ add: string; drop: string }>(`
    select pg_get_indexdef(i.indexrelid) as add, format('drop index %s', i.indexrelid::regclass) as drop
    from pg_index i join pg_class t on t.oid = i.indrelid
    where t.relnamespace = 'public'::regnamespace
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))
    order by 1`);
  const triggered = await db.query<{ tbl: string }>(`
    select distinct tgrelid::regclass::text as tbl from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where not t.tgisinternal and c.relnamespace = 'public'::regnamespace order by 1`);
  for (const s of [...fks, ...keys, ...indexes]) await db.query(s.drop);
  for (const { tbl } of triggered) await db.query(`alter table ${tbl} disable trigger user`);
  let indexSeconds = (performance.now() - ddlStarted) / 1000;

  const tables: TableLoad[] = [];
  const step = async (table: string, statements: string[], countSql?: string) => {
    const t = performance.now();
    for (const s of statements) await db.query(s);
    const seconds = (performance.now() - t) / 1000;
    const [row] = await db.query<{ n: string }>(countSql ?? `select count(*)::text as n from ${table}`);
    const rows = Number(row?.n ?? 0);
    tables.push({ table, rows, seconds });
    log(`  ${table.padEnd(20)} ${String(rows).padStart(11)} rows ${seconds.toFixed(1).padStart(7)} s`);
  };

  // --- working tables (temporary: gone with the session) ------------------------------------------------------
  const templateJson = JSON.stringify(
    templates.map((t, n) => ({
      n,
      slug: t.slug,
      title: t.title,
      summary: t.summary,
      description: t.description,
      difficulty: t.difficulty,
      tags: t.tags,
      points: t.points,
      function_name: t.functionName,
      starter_code: t.starterCode ?? null,
      help: t.help ?? null,
      tests: t.tests,
      hidden_tests: t.hiddenTests,
      generator: t.generator ?? null,
      solution: t.solution ?? null,
    })),
  );
  if (templateJson.includes('$tpl$')) throw new Error('starter challenges contain the quoting tag $tpl$');
  await db.query(
    `create temp table bench_templates as
     select x.n, x.slug, x.title, x.summary, x.description, x.difficulty,
            array(select jsonb_array_elements_text(x.tags)) as tags, x.points, x.function_name, x.starter_code,
            x.help, x.tests, x.hidden_tests, x.generator, x.solution,
            jsonb_array_length(x.tests) + jsonb_array_length(x.hidden_tests)
              + coalesce((x.generator->>'cases')::int, 0) as total_cases
     from jsonb_to_recordset($tpl$${templateJson}$tpl$::jsonb) as x(
       n int, slug text, title text, summary text, description text, difficulty text, tags jsonb,
       points int, function_name text, starter_code text, help text, tests jsonb, hidden_tests jsonb,
       generator jsonb, solution text)`,
  );

  await db.query(`
    create temp table bench_challenges as
    select j as ci, ${uid('challenge', 'j')} as id, t.points, t.n as t
    from generate_series(0, ${C - 1}) j join bench_templates t on t.n = j % ${T}`);
  await db.query('create index on bench_challenges (ci)');

  const tzArray = `array[${TIME_ZONES.map(lit).join(', ')}]`;
  const topicArray = `array[${topics.map(lit).join(', ')}]::text[]`;
  // n: completions (10..30), g: days between them, o: days since the last one (0 = today), base: first
  // challenge index (a user's completions are challenges base..base+n-1, today's pick is base+31).
  await db.query(`
    create temp table bench_users as
    select s.*, (${T0} at time zone s.tz)::date as today,
           extract(epoch from (${T0} at time zone s.tz) - (${T0} at time zone s.tz)::date)::int as elapsed
    from (
      select i, ${uid('user', 'i')} as id,
             (${tzArray})[1 + ${hx('tz', 'i')} % ${TIME_ZONES.length}] as tz,
             (10 + ${hx('n', 'i')} % 21)::int as n,
             case when ${hx('g', 'i')} % 10 < 6 then 1 when ${hx('g', 'i')} % 10 < 9 then 2 else 3 end as g,
             (${hx('o', 'i')} % 4)::int as o,
             (${hx('b', 'i')} % ${C})::int as base,
             ${hx('s', 'i')} as hs,
             ${T0} - make_interval(days => 120 + ${hx('c', 'i')}::int % 400, secs => ${hx('cs', 'i')} % 86400) as created_at
      from generate_series(1, ${N}) i
    ) s`);
  await db.query('create index on bench_users (id)');

  /** One row per (user, k-th most recent completion), k < the given bound: the day, the instant, the challenge. */
  const expansion = (kBound: string) => `
    bench_users u
    cross join lateral generate_series(0, ${kBound} - 1) k
    cross join lateral (select u.today - u.o - k * u.g as day) dd
    cross join lateral (
      select (dd.day + make_interval(secs => case
                when dd.day = u.today then u.hs % greatest(u.elapsed - 60, 1)
                else (u.hs + k * 7919) % 86400 end)) at time zone u.tz as at
    ) d
    join bench_challenges bc on bc.ci = (u.base + k) % ${C}`;

  const adminId = `${uid('user', '0')}`;

  // --- the tables ------------------------------------------------------------------------------------------
  await step('challenges', [
    `insert into challenges (id, slug, title, summary, description, difficulty, language, tags, points,
       function_name, starter_code, help, tests, hidden_tests, generator, solution, status, created_by,
       created_at, updated_at, published_at)
     select bc.id, t.slug || '-' || bc.ci, t.title || ' #' || bc.ci, t.summary, t.description, t.difficulty,
       'javascript', t.tags, t.points, t.function_name, t.starter_code, t.help, t.tests, t.hidden_tests,
       t.generator, t.solution, 'published', ${adminId},
       ${T0} - interval '600 days' + bc.ci * interval '6 hours',
       ${T0} - interval '600 days' + bc.ci * interval '6 hours',
       ${T0} - interval '600 days' + bc.ci * interval '6 hours' + interval '1 hour'
     from bench_challenges bc join bench_templates t on t.n = bc.t
     order by bc.ci`,
  ]);

  // Chronological, as a live table fills: one user's rows are scattered over the heap, as in production.
  await step('completions', [
    `insert into completions (user_id, challenge_id, submission_id, points, day, awarded_at)
     select u.id, bc.id, case when k < 2 then ${uid('sub', "u.i || ':' || k")} end, bc.points, dd.day, d.at
     from ${expansion('u.n')}
     order by d.at`,
  ]);

  await step('users', [
    `insert into users (id, email, username, password_hash, role, name, preferences, language, timezone,
       points, current_streak, best_streak, last_completion_day, created_at, updated_at, deleted_at)
     select x.* from (
       select ${adminId} as id, ${lit(ADMIN_EMAIL)} as email, 'bench_admin' as username, ${lit(passwordHash)} as password_hash,
         'admin' as role, 'Bench Admin' as name, '{}'::text[] as preferences, 'javascript' as language, 'UTC' as timezone,
         0 as points, 0 as current_streak, 0 as best_streak, null::date as last_completion_day,
         ${T0} - interval '700 days' as created_at, ${T0} - interval '700 days' as updated_at, null::timestamptz as deleted_at
       union all
       select u.id, 'user' || u.i || '@bench.local', 'user_' || u.i, ${lit(passwordHash)}, 'user', 'User ' || u.i,
         case when u.hs % 3 = 0 then '{}'::text[]
              when (${topicArray})[1 + u.hs % ${topics.length}] = (${topicArray})[1 + (u.hs / 7) % ${topics.length}]
                then array[(${topicArray})[1 + u.hs % ${topics.length}]]
              else array[(${topicArray})[1 + u.hs % ${topics.length}], (${topicArray})[1 + (u.hs / 7) % ${topics.length}]] end,
         'javascript', u.tz, coalesce(p.points, 0),
         case when u.g = 1 then u.n else 1 end, case when u.g = 1 then u.n else 1 end, u.today - u.o,
         u.created_at, u.created_at,
         case when u.i % 197 = 0 then ${T0} - interval '3 days' end
       from bench_users u
       left join (select user_id, sum(points)::int as points from completions group by user_id) p on p.user_id = u.id
     ) x order by x.created_at`,
  ]);

  await step('submissions', [
    `insert into submissions (id, user_id, challenge_id, code, status, passed, total, duration_ms, seed,
       judge_version, verdict, created_at)
     select x.* from (
       select ${uid('sub', "u.i || ':' || k")}, u.id, bc.id, coalesce(t.solution, t.starter_code, ''), 'accepted',
         t.total_cases, t.total_cases, 4 + (u.hs + k) % 40, u.hs + k, 'bench-dataset',
         jsonb_build_object('status', 'accepted', 'passed', t.total_cases, 'total', t.total_cases,
           'hidden', 'passed'),
         d.at as created_at
       from ${expansion('least(u.n, 2)')} join bench_templates t on t.n = bc.t
       union all
       select ${uid('sub', "u.i || ':w'")}, u.id, bc.id, coalesce(t.starter_code, 'function f() {}'), 'wrong_answer',
         t.total_cases / 2, t.total_cases, 3 + u.hs % 30, u.hs, 'bench-dataset',
         jsonb_build_object('status', 'wrong_answer', 'passed', t.total_cases / 2, 'total', t.total_cases,
           'hidden', 'not_run',
           'firstFailure', jsonb_build_object('index', 0, 'kind', 'visible', 'input', t.tests->0->'input',
             'expected', t.tests->0->'expectedOutput', 'actual', null)),
         d.at - interval '5 minutes'
       from ${expansion('1')} join bench_templates t on t.n = bc.t
     ) x order by x.created_at`,
  ]);

  await step('weekly_points', [
    `insert into weekly_points (week_start, user_id, points)
     select date_trunc('week', awarded_at at time zone 'UTC')::date, user_id, sum(points)::int
     from completions group by 1, 2 order by 1, 2`,
  ]);

  await step('monthly_points', [
    `insert into monthly_points (month_start, user_id, points)
     select date_trunc('month', awarded_at at time zone 'UTC')::date, user_id, sum(points)::int
     from completions group by 1, 2 order by 1, 2`,
  ]);

  await step('daily_assignments', [
    `insert into daily_assignments (user_id, day, challenge_id, assigned_at)
     select u.id, u.today, bc.id, u.today::timestamp at time zone u.tz
     from bench_users u
     join bench_challenges bc on bc.ci = case when u.o = 0 then u.base else (u.base + 31) % ${C} end
     order by 4`,
  ]);

  await step('messages', [
    `insert into messages (id, content, icon, banner_color, recipient_id, sender_id, created_at)
     select x.* from (
       select ${uid('bcast', 'b')}, 'Broadcast ' || b || ': a new batch of challenges is live. '
           || repeat('Keep your streak going and check the weekly board. ', 1 + b % 4),
         '📢', '#2821fc', null::uuid, ${adminId},
         ${T0} - make_interval(days => b * 10 + 1, secs => ${hx('bt', 'b')} % 3600)
       from generate_series(0, ${B - 1}) b
       union all
       select ${uid('dm', "u.i || ':' || m")}, 'Hi User ' || u.i || ', message ' || m
           || ': thanks for your submissions. ' || repeat('Good luck with today''s challenge. ', (1 + m % 3)::int),
         case when m % 2 = 0 then '🎉' else '📢' end, '#2821fc', u.id, ${adminId},
         ${T0} - make_interval(days => ${hx('dmd', "u.i || ':' || m")}::int % 90, secs => ${hx('dms', "u.i || ':' || m")} % 86400)
       from bench_users u cross join lateral generate_series(1, ${hx('dmn', 'u.i')} % 5) m
     ) x order by 7`,
  ]);

  // A third of the users read the three newest broadcasts, a seventh hid the newest one; half of the
  // direct messages are read and a tenth deleted; a tenth of the users pressed "mark all read" two months ago.
  await step('inbox_state', [
    `insert into inbox_state (user_id, message_id, read_at, deleted_at)
     select x.* from (
       select u.id, ${uid('bcast', 'b')},
         case when u.hs % 3 = 0 then least(${T0}, ${T0} - make_interval(days => b * 10 + 1) + make_interval(secs => u.hs % 86400)) end,
         case when b = 0 and u.hs % 7 = 0 then ${T0} - make_interval(secs => u.hs % 3600) end
       from bench_users u cross join generate_series(0, 2) b
       where u.hs % 3 = 0 or (b = 0 and u.hs % 7 = 0)
       union all
       select u.id, ${uid('dm', "u.i || ':' || m")},
         case when ${hx('dmr', "u.i || ':' || m")} % 2 = 0 then ${T0} - make_interval(secs => ${hx('dmr', "u.i || ':' || m")} % 86400) end,
         case when ${hx('dmr', "u.i || ':' || m")} % 10 = 1 then ${T0} - make_interval(secs => ${hx('dmx', "u.i || ':' || m")} % 86400) end
       from bench_users u cross join lateral generate_series(1, ${hx('dmn', 'u.i')} % 5) m
       where ${hx('dmr', "u.i || ':' || m")} % 2 = 0 or ${hx('dmr', "u.i || ':' || m")} % 10 = 1
     ) x`,
  ]);

  await step('inbox_read_marks', [
    `insert into inbox_read_marks (user_id, read_through)
     select u.id, ${T0} - interval '60 days' from bench_users u where u.hs % 10 = 5`,
  ]);

  await step('sessions', [
    `insert into sessions (id, user_id, refresh_hash, rotation, created_at, last_used_at, expires_at, revoked_at,
       revoked_reason, user_agent, ip)
     select ${uid('session', 'u.i')}, u.id, md5(${lit(`${seed}:rt:`)} || u.i), u.hs % 20,
       ${T0} - make_interval(days => (u.hs % 25)::int), ${T0} - make_interval(days => (u.hs % 5)::int),
       ${T0} - make_interval(days => (u.hs % 25)::int) + interval '30 days',
       case when u.hs % 5 = 0 then ${T0} - interval '1 day' end,
       case when u.hs % 5 = 0 then 'logout' end,
       'Mozilla/5.0 (bench)', '127.0.0.1'
     from bench_users u order by 5`,
  ]);

  // --- back to the migrated schema -----------------------------------------------------------------------------
  const rebuild = performance.now();
  for (const s of keys) await db.query(s.add);
  for (const s of indexes) await db.query(s.add);
  for (const s of fks) await db.query(s.add);
  for (const { tbl } of triggered) await db.query(`alter table ${tbl} enable trigger user`);
  if (isReplica) await db.query('set session_replication_role = origin');
  await rebuildLeaderboardHistograms(db);
  indexSeconds += (performance.now() - rebuild) / 1000;
  log(
    `  ${(isReplica ? '(keys, indexes)' : '(keys, indexes, FKs)').padEnd(20)} ${''.padStart(16)} ${indexSeconds.toFixed(1).padStart(7)} s`,
  );

  const analyzeStarted = performance.now();
  await db.query('vacuum analyze');
  const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
  log(`  ${'(vacuum analyze)'.padEnd(20)} ${''.padStart(16)} ${analyzeSeconds.toFixed(1).padStart(7)} s`);

  return {
    users: N,
    seed,
    challenges: C,
    generatedAt: generatedAt.toISOString(),
    tables,
    indexSeconds,
    analyzeSeconds,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * The leaderboard's histogram tables are kept by triggers, which were off during the load: fill them
 * with the same set-based statements their migration uses for pre-existing rows.
 */
async function rebuildLeaderboardHistograms(db: SqlClient) {
  const [present] = await db.query<{ all: string | null; week: string | null; month: string | null }>(
    `select to_regclass('points_histogram')::text as all, to_regclass('weekly_points_histogram')::text as week,
       to_regclass('monthly_points_histogram')::text as month`,
  );
  if (present?.all) {
    await db.query('delete from points_histogram');
    await db.query(`insert into points_histogram (points, users)
      select points, count(*) from users where deleted_at is null and points > 0 group by points`);
  }
  const periods = [
    { present: present?.week, table: 'weekly_points', start: 'week_start' },
    { present: present?.month, table: 'monthly_points', start: 'month_start' },
  ];
  for (const p of periods.filter((p) => p.present)) {
    await db.query(`delete from ${p.table}_histogram`);
    await db.query(`insert into ${p.table}_histogram (${p.start}, points, users)
      select w.${p.start}, w.points, count(*)
      from ${p.table} w join users u on u.id = w.user_id
      where u.deleted_at is null and w.points > 0
      group by w.${p.start}, w.points`);
  }
}

/**
 * Migrates an empty database with the app's own migrations and loads the dataset into it: PostgreSQL at
 * `url` (over one connection, so session settings stick) or the embedded database in `dataDir`.
 */
export async function loadDatabase(
  target: { url: string } | { dataDir: string },
  options: DatasetOptions,
): Promise<DatasetReport> {
  const handle = createDatabase('url' in target ? { url: target.url, poolMax: 1 } : target);
  try {
    await handle.migrate();
    const client = 'url' in target ? await pgClient(target.url) : pgliteClient(handle);
    try {
      return await generateDataset(client, options);
    } finally {
      if (client.kind === 'pg') await client.close();
    }
  } finally {
    await handle.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10k' },
      seed: { type: 'string', default: '1' },
      challenges: { type: 'string', default: '2000' },
      url: { type: 'string' },
      pglite: { type: 'string' },
    },
  });
  const users = parseCount(values.users);
  const seed = Number(values.seed);
  if (!values.url === !values.pglite)
    throw new Error('give exactly one of --url postgres://... or --pglite DIR');
  const dataDir = values.pglite && path.resolve(values.pglite);
  if (dataDir) mkdirSync(path.dirname(dataDir), { recursive: true });
  console.log(`dataset: ${formatCount(users)} users, seed ${seed} -> ${values.url ?? values.pglite}`);
  const report = await loadDatabase(dataDir ? { dataDir } : { url: values.url! }, {
    users,
    seed,
    challenges: parseCount(values.challenges),
    log: (l) => console.log(l),
  });
  console.log(`  ${'total'.padEnd(20)} ${''.padStart(16)} ${report.totalSeconds.toFixed(1).padStart(7)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
