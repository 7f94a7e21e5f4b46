import { type Executor, schema } from '@skillbytes/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { localDay } from '../lib/local-day.ts';
import {
  type CompletionState,
  completionState,
  type PublicChallenge,
  publicChallengeColumns,
  toPublicChallenge,
} from './projection.ts';

export type DailyChallenge = { day: string; challenge: PublicChallenge } & CompletionState;

const da = schema.dailyAssignments;

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

/** The caller's challenge for their local today (in users.timezone at `now`), assigning one on the first call. */
export async function dailyChallenge(svc: Service): Promise<DailyChallenge> {
  const { db, now } = svc;
  const userId = svc.caller.userId;
  const u = schema.users;
  const [user] = await db
    .select({ timezone: u.timezone })
    .from(u)
    .where(and(eq(u.id, userId), isNull(u.deletedAt)));
  if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user');
  const day = localDay(now, user.timezone);
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
  const cp = schema.completions;
  const [row] = await db
    .select({ ...publicChallengeColumns, completedAt: cp.awardedAt, pointsAwarded: cp.points })
    .from(schema.challenges)
    .leftJoin(cp, and(eq(cp.challengeId, schema.challenges.id), eq(cp.userId, userId)))
    .where(eq(schema.challenges.id, challengeId));
  if (!row) throw new DomainError('NO_CHALLENGE_AVAILABLE', 'There is no challenge left for you today');
  return { day, challenge: toPublicChallenge(row), ...completionState(row) };
}
