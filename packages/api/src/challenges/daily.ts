import {
  type Database,
  type Executor,
  pgErrorInfo,
  prepareNamed,
  schema,
  statementsFor,
} from '@skillbytes/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { effectiveDay, effectiveDaySql, zoneColumns } from '../lib/local-day.ts';
import {
  type CompletionState,
  completionState,
  type PublicChallenge,
  publicChallengeColumns,
  toPublicChallenge,
} from './projection.ts';

export type DailyChallenge = { day: string; challenge: PublicChallenge } & CompletionState;

const da = schema.dailyAssignments;
const c = schema.challenges;
const cp = schema.completions;
const u = schema.users;

/** The user's local day at `now` as PostgreSQL reads it; the caller checks it against `effectiveDay`. */
const localDayInSql = effectiveDaySql(sql.placeholder('now'));

const statements = statementsFor((db) => ({
  /**
   * The common case in one round trip: the user's time zone state and, when it is already assigned, their
   * challenge of the local day with their completion of it. No challenge when nothing is assigned yet.
   */
  today: prepareNamed(
    'daily_today',
    db
      .select({
        ...zoneColumns,
        day: da.day,
        challenge: publicChallengeColumns,
        completedAt: cp.awardedAt,
        pointsAwarded: cp.points,
      })
      .from(u)
      .leftJoin(da, and(eq(da.userId, u.id), eq(da.day, localDayInSql)))
      .leftJoin(c, eq(c.id, da.challengeId))
      .leftJoin(cp, and(eq(cp.challengeId, c.id), eq(cp.userId, u.id)))
      .where(and(eq(u.id, sql.placeholder('userId')), isNull(u.deletedAt))),
  ),
  challenge: prepareNamed(
    'daily_challenge',
    db
      .select({ ...publicChallengeColumns, completedAt: cp.awardedAt, pointsAwarded: cp.points })
      .from(c)
      .leftJoin(cp, and(eq(cp.challengeId, c.id), eq(cp.userId, sql.placeholder('userId'))))
      .where(eq(c.id, sql.placeholder('challengeId'))),
  ),
}));

/** SQLSTATE 22023, what PostgreSQL answers for a time zone name it does not know. */
const INVALID_PARAMETER_VALUE = '22023';

/**
 * The user's time zone, and their assignment of the local day as PostgreSQL reckons it (see
 * `statements.today`); undefined for no such user. The runtime's time zone data and the database's
 * are separate copies that can differ (a zone one of them lacks): when the database does not know the
 * zone, it is read again on its own.
 */
async function assignedToday(db: Database, userId: string, now: Date) {
  try {
    const [row] = await statements(db).today.execute({ userId, now: now.toISOString() });
    return row;
  } catch (error) {
    if (pgErrorInfo(error)?.code !== INVALID_PARAMETER_VALUE) throw error;
    const [user] = await db
      .select(zoneColumns)
      .from(u)
      .where(and(eq(u.id, userId), isNull(u.deletedAt)));
    return user && { ...user, day: null, challenge: null };
  }
}

async function assignedOn(db: Executor, userId: string, day: string): Promise<string | null> {
  const [row] = await db
    .select({ challengeId: da.challengeId })
    .from(da)
    .where(and(eq(da.userId, userId), eq(da.day, day)));
  return row?.challengeId ?? null;
}

/** Tags in common with the user's preferences; the `&&` test (cheap) spares the intersection for most rows. */
const overlap = sql`case when c.tags && u.preferences
  then cardinality(array(select unnest(c.tags) intersect select unnest(u.preferences)))
  else 0 end`;

/**
 * Challenges that take solutions in the user's language. `@>` rather than `= any(c.languages)`: the
 * same test, and one the pool's GIN index (challenges_pool_idx, published challenges) can answer.
 */
const inUsersLanguage = sql`c.languages @> array[u.language]`;

/** Random-looking but the same for a given (user, day, challenge), so a repeated pick picks the same. */
const tieBreak = (day: string) => sql`md5(u.id::text || ${day} || c.id::text)`;

/**
 * Picks and records the user's challenge for `day` in one statement, inside the database, among the
 * published challenges that accept the user's language and that they have neither completed nor ever
 * been assigned: the most tags in common with their preferences first, ties broken by `tieBreak`.
 * `ON CONFLICT DO NOTHING` makes a concurrent first call of the day lose quietly; it then reads the
 * winner's row.
 * Returns null when the insert did nothing (a conflict, or no such challenge left).
 */
async function assignFresh(db: Executor, userId: string, day: string, now: Date): Promise<string | null> {
  const result = await db.execute<{ challenge_id: string }>(sql`
    insert into daily_assignments (user_id, day, challenge_id, assigned_at)
    select u.id, ${day}::date, c.id, ${now.toISOString()}::timestamptz
    from users u
    join challenges c on ${inUsersLanguage} and c.status = 'published'
    where u.id = ${userId}::uuid
      and not exists (select 1 from daily_assignments da where da.user_id = u.id and da.challenge_id = c.id)
      and not exists (select 1 from completions cp where cp.user_id = u.id and cp.challenge_id = c.id)
    order by ${overlap} desc, ${tieBreak(day)}
    limit 1
    on conflict (user_id, day) do nothing
    returning challenge_id::text as challenge_id
  `);
  return result.rows[0]?.challenge_id ?? null;
}

/**
 * When every eligible challenge was assigned before: the uncompleted one assigned longest ago comes
 * back (then preferences, then the tie-break). Only reads the user's own assignments.
 */
async function assignStale(db: Executor, userId: string, day: string, now: Date): Promise<string | null> {
  const result = await db.execute<{ challenge_id: string }>(sql`
    insert into daily_assignments (user_id, day, challenge_id, assigned_at)
    select u.id, ${day}::date, c.id, ${now.toISOString()}::timestamptz
    from users u
    join daily_assignments da on da.user_id = u.id
    join challenges c on c.id = da.challenge_id and ${inUsersLanguage} and c.status = 'published'
    where u.id = ${userId}::uuid
      and not exists (select 1 from completions cp where cp.user_id = u.id and cp.challenge_id = c.id)
    group by u.id, c.id
    order by max(da.day) asc, ${overlap} desc, ${tieBreak(day)}
    limit 1
    on conflict (user_id, day) do nothing
    returning challenge_id::text as challenge_id
  `);
  return result.rows[0]?.challenge_id ?? null;
}

/** The caller's challenge for their local today (`effectiveDay` at `now`), assigning one on the first call. */
export async function dailyChallenge(svc: Service): Promise<DailyChallenge> {
  const { db, now } = svc;
  const userId = svc.caller.userId;
  const today = await assignedToday(db, userId, now);
  if (!today) throw new DomainError('USER_NOT_FOUND', 'No such user');
  // The day is always the runtime's (lib/local-day.ts); the database's reading only saves round trips when they agree.
  const day = effectiveDay(now, today);
  if (today.day === day && today.challenge) {
    return { day, challenge: toPublicChallenge(today.challenge), ...completionState(today) };
  }
  // Each insert that does nothing may have lost to a concurrent call: read back before trying further.
  const challengeId =
    (await assignedOn(db, userId, day)) ??
    (await assignFresh(db, userId, day, now)) ??
    (await assignedOn(db, userId, day)) ??
    (await assignStale(db, userId, day, now)) ??
    (await assignedOn(db, userId, day));
  if (!challengeId) {
    throw new DomainError('NO_CHALLENGE_AVAILABLE', 'There is no challenge left for you today');
  }
  const [row] = await statements(db).challenge.execute({ userId, challengeId });
  if (!row) throw new DomainError('NO_CHALLENGE_AVAILABLE', 'There is no challenge left for you today');
  return { day, challenge: toPublicChallenge(row), ...completionState(row) };
}
