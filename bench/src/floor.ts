/**
 * Longer than ~300 lines on purpose: it holds a copy of every read scenario's SQL, side by side.
 *
 * The floor: the least a server can do to answer our read procedures. node:http and a `pg` pool of the
 * same size as ours, no framework, no query builder, no validation library, no serializer: it verifies
 * the same HS256 access token with node:crypto, runs the SAME SQL statements our procedures send
 * (copied from them; test/floor.test.ts checks they are the statements our router really issues), named
 * (prepared once per connection) where ours names them, and writes JSON of the same shape (the superjson
 * envelope built by hand). Measured side by side with our
 * server, the ratio ours/floor is what the framework and our code cost on top of the database.
 *
 * Run as a child process like the server: DATABASE_URL, JWT_SECRET, PORT (0 = any), DATABASE_POOL_MAX.
 * Prints {"msg":"server listening","port":N} when ready.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';

type Env = {
  databaseUrl: string;
  jwtSecret: string;
  port: number;
  poolMax: number;
  sessionIdleTtlSec: number;
};

type Claims = { userId: string; sessionId: string; role: string; expiresAt: Date };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
type Handler = (ctx: RequestContext) => Promise<Reply>;
type Reply = { json: Json; dates?: string[] };
type RequestContext = { db: pg.Pool; claims: Claims; input: Record<string, unknown>; now: Date };

const ISSUER = 'skillbytes';
const AUDIENCE = 'skillbytes-api';
const CLOCK_TOLERANCE_SEC = 5;
const TOUCH_INTERVAL_MS = 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

// --- authentication: the access token (HS256 JWT) and the session row ----------------------------------

function jwtKid(secret: string) {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 10);
}

function verifyAccessToken(token: string, keys: Map<string, Buffer>, now: Date): Claims {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 2048) throw new HttpError(401, 'Invalid or expired credentials');
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string; typ?: string; kid?: string };
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    throw new HttpError(401, 'Invalid or expired credentials');
  }
  const key = header.kid ? keys.get(header.kid) : undefined;
  if (header.alg !== 'HS256' || header.typ !== 'at+jwt' || !key)
    throw new HttpError(401, 'Invalid or expired credentials');
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(401, 'Invalid or expired credentials');
  }
  const nowSec = now.getTime() / 1000;
  const { sub, sid, role, exp, iat, iss, aud, jti } = payload;
  if (
    iss !== ISSUER ||
    aud !== AUDIENCE ||
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    typeof jti !== 'string' ||
    exp + CLOCK_TOLERANCE_SEC <= nowSec ||
    iat - CLOCK_TOLERANCE_SEC > nowSec ||
    typeof sub !== 'string' ||
    typeof sid !== 'string' ||
    !UUID.test(sub) ||
    !UUID.test(sid) ||
    (role !== 'user' && role !== 'admin')
  ) {
    throw new HttpError(401, 'Invalid or expired credentials');
  }
  return { userId: sub, sessionId: sid, role, expiresAt: new Date(exp * 1000) };
}

export const SQL = {
  // Ours reads the sessions of concurrent requests together (one id here: the floor reads one per request).
  session:
    'select "sessions"."id", "sessions"."user_id", "sessions"."revoked_at", "sessions"."expires_at", "sessions"."last_used_at", "users"."role", "users"."deleted_at" from "sessions" inner join "users" on "users"."id" = "sessions"."user_id" where "sessions"."id" = any($1::uuid[])',
  touchSession:
    'update "sessions" set "last_used_at" = $1 where ("sessions"."id" = $2 and "sessions"."last_used_at" < $3)',
  profile:
    'select "id", "email", "username", "name", "role", "preferences", "language", "points", "created_at", "timezone", "pending_timezone", "pending_timezone_at", "day_floor", "current_streak", "best_streak", "last_completion_day", "freezes_held", "solved_run", array( select "day"::text from "streak_days" where "user_id" = "id" and "kind" = \'skipped\' and "day" > coalesce("last_completion_day", \'-infinity\'::date) order by "day"), "share_solutions", "mfa_enabled_at" from "users" where ("users"."id" = $1 and "users"."deleted_at" is null)',
  dailyToday:
    'select "users"."timezone", "users"."pending_timezone", "users"."pending_timezone_at", "users"."day_floor", "daily_assignments"."day", "challenges"."id", "challenges"."slug", "challenges"."title", "challenges"."summary", "challenges"."description", "challenges"."difficulty", "challenges"."language", "challenges"."languages", "challenges"."tags", "challenges"."points", "challenges"."function_name", "challenges"."starter_code", ("challenges"."help" is not null), "challenges"."tests", "challenges"."published_at", "completions"."awarded_at", "completions"."points" from "users" left join "daily_assignments" on ("daily_assignments"."user_id" = "users"."id" and "daily_assignments"."day" = greatest(($1::timestamptz at time zone case when "users"."pending_timezone" is not null and $2::timestamptz >= "users"."pending_timezone_at" then "users"."pending_timezone" else "users"."timezone" end)::date, case when "users"."pending_timezone" is null or $3::timestamptz >= "users"."pending_timezone_at" then "users"."day_floor" end)) left join "challenges" on "challenges"."id" = "daily_assignments"."challenge_id" left join "completions" on ("completions"."challenge_id" = "challenges"."id" and "completions"."user_id" = "users"."id") where ("users"."id" = $4 and "users"."deleted_at" is null)',
  assignedOn:
    'select "challenge_id" from "daily_assignments" where ("daily_assignments"."user_id" = $1 and "daily_assignments"."day" = $2)',
  pickAndAssign: `
    insert into daily_assignments (user_id, day, challenge_id, assigned_at)
    select u.id, $1::date, c.id, $2::timestamptz
    from users u
    join challenges c on c.languages @> array[u.language] and c.status = 'published'
    left join lateral (
      select max(prev.day) as last_day
      from daily_assignments prev
      where prev.user_id = u.id and prev.challenge_id = c.id
    ) assigned on true
    where u.id = $3::uuid
      and not exists (
        select 1 from completions cp where cp.user_id = u.id and cp.challenge_id = c.id
      )
    order by
      assigned.last_day asc nulls first,
      cardinality(array(select unnest(c.tags) intersect select unnest(u.preferences))) desc,
      md5(u.id::text || $4 || c.id::text)
    limit 1
    on conflict (user_id, day) do nothing
    returning challenge_id::text as challenge_id
  `,
  dailyChallenge:
    'select "challenges"."id", "challenges"."slug", "challenges"."title", "challenges"."summary", "challenges"."description", "challenges"."difficulty", "challenges"."language", "challenges"."languages", "challenges"."tags", "challenges"."points", "challenges"."function_name", "challenges"."starter_code", ("challenges"."help" is not null), "challenges"."tests", "challenges"."published_at", "completions"."awarded_at", "completions"."points" from "challenges" left join "completions" on ("completions"."challenge_id" = "challenges"."id" and "completions"."user_id" = $1) where "challenges"."id" = $2',
  topAll: `
    with page as (
        select "users"."id" as id, "users"."username" as username, "users"."points" as points
        from "users" where "users"."deleted_at" is null and true
        order by "users"."points" desc nulls last, "users"."id" limit $1),
    bounds as (select max(points) as hi, min(points) as lo from page),
    band as (select "points_histogram"."points" as points, "points_histogram"."users" as users from "points_histogram" where points > (select lo from bounds) and points <= (select hi from bounds))
    select page.*,
      1 + (select coalesce(sum(users), 0) from (select "points_histogram"."points" as points, "points_histogram"."users" as users from "points_histogram" where points > (select hi from bounds)) above)
        + coalesce((select sum(band.users) from band where band.points > page.points), 0) as rank
    from page
    order by page.points desc, page.id`,
  topWeek: `
    with page as (
      select "weekly_points"."user_id" as id, "users"."username" as username, "weekly_points"."points" as points
      from "weekly_points" join "users" on "users"."id" = "weekly_points"."user_id"
      where "weekly_points"."week_start" = $1 and "weekly_points"."points" > 0 and "users"."deleted_at" is null and true
      order by "weekly_points"."points" desc nulls last, "weekly_points"."user_id" limit $2),
    bounds as (select max(points) as hi, min(points) as lo from page),
    band as (
      select "weekly_points_histogram"."points" as points, "weekly_points_histogram"."users" as users from "weekly_points_histogram"
      where "weekly_points_histogram"."week_start" = $3 and points > (select lo from bounds) and points <= (select hi from bounds))
    select page.*,
      1 + (select coalesce(sum(users), 0) from (
      select "weekly_points_histogram"."points" as points, "weekly_points_histogram"."users" as users from "weekly_points_histogram"
      where "weekly_points_histogram"."week_start" = $4 and points > (select hi from bounds)) above)
        + coalesce((select sum(band.users) from band where band.points > page.points), 0) as rank
    from page
    order by page.points desc, page.id`,
  meAll: `
    with me as (
        select "users"."id" as id, "users"."username" as username, "users"."points" as points
        from "users" where "users"."id" = $1 and "users"."deleted_at" is null),
      above as (select * from (
    (
        select "users"."id" as id, "users"."username" as username, "users"."points" as points
        from "users" where "users"."deleted_at" is null and "users"."points" = (select points from me) and "users"."id" < (select id from me)
        order by "users"."id" desc limit $2)
    union all
    (
        select "users"."id" as id, "users"."username" as username, "users"."points" as points
        from "users" where "users"."deleted_at" is null and "users"."points" > (select points from me)
        order by "users"."points" asc nulls first, "users"."id" desc limit $3)
  ) before_position order by points, id desc limit $4),
      below as (select * from (
    (
        select "users"."id" as id, "users"."username" as username, "users"."points" as points
        from "users" where "users"."deleted_at" is null and "users"."points" = (select points from me) and "users"."id" > (select id from me)
        order by "users"."id" limit $5)
    union all
    (
        select "users"."id" as id, "users"."username" as username, "users"."points" as points
        from "users" where "users"."deleted_at" is null and "users"."points" < (select points from me)
        order by "users"."points" desc nulls last, "users"."id" limit $6)
  ) after_position order by points desc, id limit $7),
      page as (
        select *, 'above' as part from above
        union all select *, 'me' as part from me
        union all select *, 'below' as part from below
      ),
    bounds as (select max(points) as hi, min(points) as lo from page),
    band as (select "points_histogram"."points" as points, "points_histogram"."users" as users from "points_histogram" where points > (select lo from bounds) and points <= (select hi from bounds))
    select page.*,
      1 + (select coalesce(sum(users), 0) from (select "points_histogram"."points" as points, "points_histogram"."users" as users from "points_histogram" where points > (select hi from bounds)) above)
        + coalesce((select sum(band.users) from band where band.points > page.points), 0) as rank
    from page
    order by page.points desc, page.id`,
  meWeek: `
    with me as (
      select "users"."id" as id, "users"."username" as username,
        coalesce((select "weekly_points"."points" from "weekly_points" where "weekly_points"."week_start" = $1 and "weekly_points"."user_id" = "users"."id"), 0) as points
      from "users" where "users"."id" = $2 and "users"."deleted_at" is null),
      above as (select * from (
    (
      select "weekly_points"."user_id" as id, "users"."username" as username, "weekly_points"."points" as points
      from "weekly_points" join "users" on "users"."id" = "weekly_points"."user_id"
      where "weekly_points"."week_start" = $3 and "weekly_points"."points" > 0 and "users"."deleted_at" is null and "weekly_points"."points" = (select points from me) and "weekly_points"."user_id" < (select id from me)
      order by "weekly_points"."user_id" desc limit $4)
    union all
    (
      select "weekly_points"."user_id" as id, "users"."username" as username, "weekly_points"."points" as points
      from "weekly_points" join "users" on "users"."id" = "weekly_points"."user_id"
      where "weekly_points"."week_start" = $5 and "weekly_points"."points" > 0 and "users"."deleted_at" is null and "weekly_points"."points" > (select points from me)
      order by "weekly_points"."points" asc nulls first, "weekly_points"."user_id" desc limit $6)
  ) before_position order by points, id desc limit $7),
      below as (select * from (
    (
      select "weekly_points"."user_id" as id, "users"."username" as username, "weekly_points"."points" as points
      from "weekly_points" join "users" on "users"."id" = "weekly_points"."user_id"
      where "weekly_points"."week_start" = $8 and "weekly_points"."points" > 0 and "users"."deleted_at" is null and "weekly_points"."points" = (select points from me) and "weekly_points"."user_id" > (select id from me)
      order by "weekly_points"."user_id" limit $9)
    union all
    (
      select "weekly_points"."user_id" as id, "users"."username" as username, "weekly_points"."points" as points
      from "weekly_points" join "users" on "users"."id" = "weekly_points"."user_id"
      where "weekly_points"."week_start" = $10 and "weekly_points"."points" > 0 and "users"."deleted_at" is null and "weekly_points"."points" < (select points from me)
      order by "weekly_points"."points" desc nulls last, "weekly_points"."user_id" limit $11)
  ) after_position order by points desc, id limit $12),
      page as (
        select *, 'above' as part from above
        union all select *, 'me' as part from me
        union all select *, 'below' as part from below
      ),
    bounds as (select max(points) as hi, min(points) as lo from page),
    band as (
      select "weekly_points_histogram"."points" as points, "weekly_points_histogram"."users" as users from "weekly_points_histogram"
      where "weekly_points_histogram"."week_start" = $13 and points > (select lo from bounds) and points <= (select hi from bounds))
    select page.*,
      1 + (select coalesce(sum(users), 0) from (
      select "weekly_points_histogram"."points" as points, "weekly_points_histogram"."users" as users from "weekly_points_histogram"
      where "weekly_points_histogram"."week_start" = $14 and points > (select hi from bounds)) above)
        + coalesce((select sum(band.users) from band where band.points > page.points), 0) as rank
    from page
    order by page.points desc, page.id`,
  inboxList: `
    select * from (
      (
    select "messages"."id" as id, "messages"."content" as content, "messages"."icon" as icon, "messages"."banner_color" as banner_color,
      "messages"."recipient_id" as recipient_id, "messages"."created_at" as created_at, "messages"."created_at"::text as cursor_at,
      (
  exists (select 1 from "inbox_state" where "inbox_state"."user_id" = $1 and "inbox_state"."message_id" = "messages"."id" and "inbox_state"."read_at" is not null)
  or "messages"."created_at" <= coalesce((select "inbox_read_marks"."read_through" from "inbox_read_marks" where "inbox_read_marks"."user_id" = $2), '-infinity'::timestamptz)
) as is_read
    from "messages"
    where "messages"."recipient_id" = $3  and not exists (select 1 from "inbox_state" where "inbox_state"."user_id" = $4 and "inbox_state"."message_id" = "messages"."id" and "inbox_state"."deleted_at" is not null)
    order by "messages"."created_at" desc nulls last, "messages"."id" desc nulls last
    limit $5
  )
      union all
      (
    select "messages"."id" as id, "messages"."content" as content, "messages"."icon" as icon, "messages"."banner_color" as banner_color,
      "messages"."recipient_id" as recipient_id, "messages"."created_at" as created_at, "messages"."created_at"::text as cursor_at,
      (
  exists (select 1 from "inbox_state" where "inbox_state"."user_id" = $6 and "inbox_state"."message_id" = "messages"."id" and "inbox_state"."read_at" is not null)
  or "messages"."created_at" <= coalesce((select "inbox_read_marks"."read_through" from "inbox_read_marks" where "inbox_read_marks"."user_id" = $7), '-infinity'::timestamptz)
) as is_read
    from "messages"
    where "messages"."recipient_id" is null and "messages"."created_at" >= (select "users"."created_at" from "users" where "users"."id" = $8)  and not exists (select 1 from "inbox_state" where "inbox_state"."user_id" = $9 and "inbox_state"."message_id" = "messages"."id" and "inbox_state"."deleted_at" is not null)
    order by "messages"."created_at" desc nulls last, "messages"."id" desc nulls last
    limit $10
  )
    ) inbox
    order by created_at desc, id desc
    limit $11
  `,
  unreadCount: `
    select
      (select count(*) from "messages" where "messages"."recipient_id" = $1 and "messages"."created_at" > coalesce((select "inbox_read_marks"."read_through" from "inbox_read_marks" where "inbox_read_marks"."user_id" = $2), '-infinity'::timestamptz) and not exists (select 1 from "inbox_state" where "inbox_state"."user_id" = $3 and "inbox_state"."message_id" = "messages"."id"
    and ("inbox_state"."read_at" is not null or "inbox_state"."deleted_at" is not null))) as direct,
      (select count(*) from "messages" where "messages"."recipient_id" is null and "messages"."created_at" > coalesce((select "inbox_read_marks"."read_through" from "inbox_read_marks" where "inbox_read_marks"."user_id" = $4), '-infinity'::timestamptz)
        and "messages"."created_at" >= (select "users"."created_at" from "users" where "users"."id" = $5) and not exists (select 1 from "inbox_state" where "inbox_state"."user_id" = $6 and "inbox_state"."message_id" = "messages"."id"
    and ("inbox_state"."read_at" is not null or "inbox_state"."deleted_at" is not null))) as broadcast
  `,
};

/**
 * The monthly board's statements: the weekly ones on the month's tables, as ours builds both windows
 * from one template (packages/api leaderboard/ranking.ts `periods`).
 */
const onMonths = (weekly: string) =>
  weekly.replaceAll('"weekly_points', '"monthly_points').replaceAll('"week_start"', '"month_start"');

/** The boards over a period's points: the key of its current period, and its statements. */
const PERIODS = {
  week: { start: weekStartUtc, top: SQL.topWeek, me: SQL.meWeek },
  month: { start: monthStartUtc, top: onMonths(SQL.topWeek), me: onMonths(SQL.meWeek) },
};

async function authenticate(db: pg.Pool, claims: Claims, now: Date, idleTtlSec: number): Promise<void> {
  const { rows } = await db.query({ name: 'session_check', text: SQL.session, values: [[claims.sessionId]] });
  const row = rows[0] as
    | {
        user_id: string;
        revoked_at: Date | null;
        expires_at: Date;
        last_used_at: Date;
        deleted_at: Date | null;
      }
    | undefined;
  if (!row || row.user_id !== claims.userId) throw new HttpError(401, 'Invalid or expired credentials');
  if (row.revoked_at || row.deleted_at)
    throw new HttpError(401, 'This session was signed out; sign in again');
  const idleSince = now.getTime() - row.last_used_at.getTime();
  if (row.expires_at <= now || idleSince >= idleTtlSec * 1000) {
    throw new HttpError(401, 'This session has expired; sign in again');
  }
  if (idleSince >= TOUCH_INTERVAL_MS) {
    await db.query(SQL.touchSession, [
      now.toISOString(),
      claims.sessionId,
      new Date(now.getTime() - TOUCH_INTERVAL_MS).toISOString(),
    ]);
  }
}

// --- the procedures ----------------------------------------------------------------------------------------

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
function localDay(instant: Date, timeZone: string): string {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      return localDay(instant, 'UTC');
    }
    dayFormatters.set(timeZone, f);
  }
  return f.format(instant);
}

// A copy of the product's day and streak rules (packages/api lib/local-day.ts, challenges/streaks.ts):
// the floor answers with the same bodies, so it does the same arithmetic.
type ZoneState = {
  timezone: string;
  pendingTimezone: string | null;
  pendingTimezoneAt: Date | null;
  dayFloor: string | null;
};

const effectiveZone = (now: Date, z: ZoneState) =>
  z.pendingTimezone && z.pendingTimezoneAt && now >= z.pendingTimezoneAt ? z.pendingTimezone : z.timezone;

function effectiveDay(now: Date, z: ZoneState): string {
  const zone = effectiveZone(now, z);
  const day = localDay(now, zone);
  const floored = z.dayFloor !== null && (z.pendingTimezone === null || zone === z.pendingTimezone);
  return floored && day < z.dayFloor! ? z.dayFloor! : day;
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The current and best streak on `today`: missed days spend the held freezes, one more breaks it. */
function streakOn(
  s: { current: number; best: number; lastDay: string | null; freezes: number; skipped: string[] },
  today: string,
) {
  if (!s.lastDay || s.lastDay >= today) return { current: s.current, best: s.best };
  const skipped = new Set(s.skipped);
  let missed = 0;
  for (let d = addDays(s.lastDay, 1); d < today && missed <= s.freezes; d = addDays(d, 1)) {
    if (!skipped.has(d)) missed++;
  }
  return { current: missed > s.freezes ? 0 : s.current, best: s.best };
}

function weekStartUtc(instant: Date): string {
  const d = new Date(`${instant.toISOString().slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function monthStartUtc(instant: Date): string {
  return `${instant.toISOString().slice(0, 7)}-01`;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

type RankedRow = { id: string; username: string | null; points: number; rank: string; part?: string };

const displayName = (id: string, username: string | null) => username ?? `player-${id.slice(0, 8)}`;

const toEntry = (r: RankedRow) => ({
  rank: Number(r.rank),
  userId: r.id,
  username: displayName(r.id, r.username),
  points: Number(r.points),
});

const windowOf = (input: Record<string, unknown>) => {
  const w = input.window ?? 'all';
  if (w !== 'all' && w !== 'week' && w !== 'month')
    throw new HttpError(400, 'window must be all, week or month');
  return w;
};

/** A weekly or monthly board's statement, named as ours names it, with the period's start where it goes. */
function periodQuery(
  db: pg.Pool,
  what: 'top' | 'me',
  window: keyof typeof PERIODS,
  now: Date,
  values: (start: string) => unknown[],
) {
  const p = PERIODS[window];
  return db.query<RankedRow>({
    name: `leaderboard_${what}_${window}`,
    text: p[what],
    values: values(p.start(now)),
  });
}

/** `challenges.daily`'s answer from the challenge's 15 public columns, then the completion's two. */
function dailyReply(day: string, r: unknown[]): Reply {
  const publishedAt = r[14] as Date | null;
  const completedAt = r[15] as Date | null;
  const dates = [publishedAt && 'challenge.publishedAt', completedAt && 'completedAt'].filter(
    (d) => d !== null,
  );
  return {
    json: {
      day,
      challenge: {
        id: r[0] as string,
        slug: r[1] as string,
        title: r[2] as string,
        summary: r[3] as string,
        description: r[4] as string,
        difficulty: r[5] as string,
        language: r[6] as string,
        languages: r[7] as string[],
        tags: r[8] as string[],
        points: r[9] as number,
        functionName: r[10] as string,
        starterCode: r[11] as string | null,
        hasHint: r[12] as boolean,
        tests: r[13] as Json,
        publishedAt: iso(publishedAt),
      },
      completed: completedAt !== null,
      completedAt: iso(completedAt),
      pointsAwarded: r[16] as number | null,
    },
    dates,
  };
}

const handlers: Record<string, Handler> = {
  async 'auth.me'({ db, claims, now }) {
    const { rows } = await db.query({ name: 'profile', text: SQL.profile, values: [claims.userId] });
    const r = rows[0];
    if (!r) throw new HttpError(404, 'No such user');
    const zone: ZoneState = {
      timezone: r.timezone,
      pendingTimezone: r.pending_timezone,
      pendingTimezoneAt: r.pending_timezone_at,
      dayFloor: r.day_floor,
    };
    const timezone = effectiveZone(now, zone);
    const pending = zone.pendingTimezone !== null && timezone !== zone.pendingTimezone;
    const streak = streakOn(
      {
        current: r.current_streak,
        best: r.best_streak,
        lastDay: r.last_completion_day,
        freezes: r.freezes_held,
        skipped: r.array ?? [],
      },
      effectiveDay(now, zone),
    );
    return {
      json: {
        id: r.id,
        email: r.email,
        username: r.username,
        name: r.name,
        role: r.role,
        preferences: r.preferences,
        language: r.language,
        timezone,
        pendingTimezone: pending ? zone.pendingTimezone : null,
        pendingTimezoneAt: pending ? iso(zone.pendingTimezoneAt) : null,
        points: r.points,
        currentStreak: streak.current,
        bestStreak: streak.best,
        shareSolutions: r.share_solutions,
        mfaEnabled: r.mfa_enabled_at !== null,
        createdAt: iso(r.created_at),
        expiresAt: iso(claims.expiresAt),
      },
      dates: [pending && zone.pendingTimezoneAt && 'pendingTimezoneAt', 'createdAt', 'expiresAt'].filter(
        (d) => typeof d === 'string',
      ),
    };
  },

  async 'challenges.daily'({ db, claims, now }) {
    // One statement when today's challenge is already assigned: the user's time zone, the assignment of
    // the local day as PostgreSQL reads the zone, and the challenge with the completion. The day that
    // counts is the runtime's (as ours): when the two disagree, or nothing is assigned yet, pick.
    const { rows: today } = await db.query({
      name: 'daily_today',
      text: SQL.dailyToday,
      values: [now.toISOString(), now.toISOString(), now.toISOString(), claims.userId],
      rowMode: 'array',
    });
    const t = today[0] as unknown[] | undefined;
    if (!t) throw new HttpError(404, 'No such user');
    const day = effectiveDay(now, {
      timezone: t[0] as string,
      pendingTimezone: t[1] as string | null,
      pendingTimezoneAt: t[2] as Date | null,
      dayFloor: t[3] as string | null,
    });
    if (t[4] === day && t[5] !== null) return dailyReply(day, t.slice(5));
    const assigned = async () =>
      (await db.query(SQL.assignedOn, [claims.userId, day])).rows[0]?.challenge_id ?? null;
    const challengeId =
      (await assigned()) ??
      (await db.query(SQL.pickAndAssign, [day, now.toISOString(), claims.userId, day])).rows[0]
        ?.challenge_id ??
      (await assigned());
    if (!challengeId) throw new HttpError(404, 'There is no challenge left for you today');
    const { rows } = await db.query({
      name: 'daily_challenge',
      text: SQL.dailyChallenge,
      values: [claims.userId, challengeId],
      rowMode: 'array',
    });
    const r = rows[0] as unknown[] | undefined;
    if (!r) throw new HttpError(404, 'There is no challenge left for you today');
    return dailyReply(day, r);
  },

  async 'leaderboard.top'({ db, input, now }) {
    const window = windowOf(input);
    const limit = Number(input.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'limit out of range');
    if (input.cursor) throw new HttpError(400, 'the floor serves first pages only');
    const take = limit + 1;
    const { rows } =
      window === 'all'
        ? await db.query<RankedRow>({ name: 'leaderboard_top_all', text: SQL.topAll, values: [take] })
        : await periodQuery(db, 'top', window, now, (start) => [start, take, start, start]);
    const entries = rows.map(toEntry);
    const items = entries.slice(0, limit);
    const last = items.at(-1);
    return {
      json: {
        window,
        items,
        nextCursor:
          entries.length > limit && last
            ? Buffer.from(JSON.stringify([last.points, last.userId])).toString('base64url')
            : null,
      },
    };
  },

  async 'leaderboard.me'({ db, claims, input, now }) {
    const window = windowOf(input);
    const me = claims.userId;
    const { rows } =
      window === 'all'
        ? await db.query<RankedRow>({
            name: 'leaderboard_me_all',
            text: SQL.meAll,
            values: [me, 2, 2, 2, 2, 2, 2],
          })
        : await periodQuery(db, 'me', window, now, (w) => [w, me, w, 2, w, 2, 2, w, 2, w, 2, 2, w, w]);
    const mine = rows.find((r) => r.part === 'me');
    if (!mine) throw new HttpError(404, 'No such user');
    const points = Number(mine.points);
    const isRanked = window === 'all' || points > 0;
    return {
      json: {
        window,
        rank: isRanked ? Number(mine.rank) : null,
        points,
        username: displayName(mine.id, mine.username),
        above: rows.filter((r) => r.part === 'above').map(toEntry),
        below: rows.filter((r) => r.part === 'below').map(toEntry),
      },
    };
  },

  async 'inbox.list'({ db, claims, input }) {
    const limit = Number(input.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'limit out of range');
    if (input.cursor) throw new HttpError(400, 'the floor serves first pages only');
    const u = claims.userId;
    const take = limit + 1;
    const { rows } = await db.query({
      name: 'inbox_list',
      text: SQL.inboxList,
      values: [u, u, u, u, take, u, u, u, u, take, take],
    });
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      json: {
        items: page.map((r) => ({
          id: r.id,
          content: r.content,
          icon: r.icon,
          bannerColor: r.banner_color,
          createdAt: iso(r.created_at),
          isBroadcast: r.recipient_id === null,
          isRead: r.is_read,
        })),
        nextCursor:
          hasMore && last
            ? Buffer.from(JSON.stringify([last.cursor_at, last.id])).toString('base64url')
            : null,
      },
      dates: page.map((_, i) => `items.${i}.createdAt`),
    };
  },

  async 'inbox.unreadCount'({ db, claims }) {
    const u = claims.userId;
    const { rows } = await db.query({
      name: 'inbox_unread_count',
      text: SQL.unreadCount,
      values: [u, u, u, u, u, u],
    });
    return { json: { unreadCount: Number(rows[0]?.direct ?? 0) + Number(rows[0]?.broadcast ?? 0) } };
  },
};

/** What superjson writes for this value: `{json}` or `{json, meta: {values: {path: ["Date"]}, v: 1}}`. */
function envelope(reply: Reply): string {
  const dates = reply.dates ?? [];
  const data =
    dates.length === 0
      ? { json: reply.json }
      : { json: reply.json, meta: { values: Object.fromEntries(dates.map((p) => [p, ['Date']])), v: 1 } };
  return JSON.stringify({ result: { data } });
}

function parseInput(url: URL): Record<string, unknown> {
  const raw = url.searchParams.get('input');
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as { json?: unknown };
    const input = parsed?.json;
    return input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  } catch {
    throw new HttpError(400, 'input is not JSON');
  }
}

export async function startFloor(env: Env) {
  // Dates of the `date` type stay 'YYYY-MM-DD' strings, as Drizzle's `mode: 'string'` gives them to our code.
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === 1082
        ? (v: string) => v
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const db = new pg.Pool({
    connectionString: env.databaseUrl,
    max: env.poolMax,
    idleTimeoutMillis: 30_000,
    types,
  });
  db.on('error', () => {});
  const keys = new Map([[jwtKid(env.jwtSecret), Buffer.from(env.jwtSecret)]]);
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();

  const send = (res: http.ServerResponse, status: number, body: string) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/metrics') {
      // Same source and resolution as prom-client's nodejs_eventloop_lag_p99_seconds, reset per scrape.
      const text = `nodejs_eventloop_lag_p99_seconds ${eld.percentile(99) / 1e9}\nprocess_resident_memory_bytes ${process.memoryUsage.rss()}\n`;
      eld.reset();
      res.setHeader('content-type', 'text/plain');
      res.end(text);
      return;
    }
    if (url.pathname === '/ping') return send(res, 200, '{"msg":"pong"}');
    const handler = url.pathname.startsWith('/trpc/') ? handlers[url.pathname.slice(6)] : undefined;
    if (!handler || req.method !== 'GET') return send(res, 404, '{"error":"not found"}');
    const now = new Date();
    (async () => {
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      if (!token) throw new HttpError(401, 'Sign in first');
      const claims = verifyAccessToken(token, keys, now);
      const input = parseInput(url);
      await authenticate(db, claims, now, env.sessionIdleTtlSec);
      return handler({ db, claims, input, now });
    })().then(
      (reply) => send(res, 200, envelope(reply)),
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof HttpError ? error.message : 'Internal server error';
        send(res, status, JSON.stringify({ error: { json: { message, data: { httpStatus: status } } } }));
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(env.port, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.end();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const databaseUrl = process.env.DATABASE_URL;
  const jwtSecret = process.env.JWT_SECRET;
  if (!databaseUrl || !jwtSecret) {
    console.error('floor: DATABASE_URL and JWT_SECRET are required');
    process.exit(1);
  }
  const floor = await startFloor({
    databaseUrl,
    jwtSecret,
    port: Number(process.env.PORT ?? 0),
    poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10),
    sessionIdleTtlSec: Number(process.env.SESSION_IDLE_TTL_SEC ?? 14 * 86400),
  });
  console.log(JSON.stringify({ level: 30, msg: 'server listening', port: floor.port }));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      floor.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
