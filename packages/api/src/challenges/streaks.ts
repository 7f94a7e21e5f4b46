import { type Executor, schema } from '@skillbytes/db';
import { and, eq, sql } from 'drizzle-orm';
import { addDays, effectiveDay, type ZoneState, zoneColumns } from '../lib/local-day.ts';

/**
 * Streaks, in local days (lib/local-day.ts `effectiveDay`, the one day rule):
 *
 * - A completion on a day after the last solved one extends the streak by 1; a second completion the
 *   same day changes nothing. The best streak only grows.
 * - A freeze is earned on every 7th solved day in a row (`solvedRun`; a frozen or missed day starts the
 *   run again), unless 2 are held already (the cap): a 7th day reached holding 2 earns nothing.
 * - Each missed day (a day between two solved days, or between the last solved day and today, not
 *   itself today) spends a held freeze, oldest missed day first: the streak goes on unchanged over it
 *   and the day is `frozen`. A missed day with no freeze left breaks the streak: 0, and the freezes
 *   spent on the days before it stay spent (each day was covered while it was the latest).
 * - Days a zone change to the east jumped over (`skipped` rows, written when the change is made) were
 *   never lived: neither solved nor missed.
 * - Local days come from one rule, `effectiveDay`, and only move forward. A zone change
 *   (auth/timezone-change.ts) waits for the end of the old zone's local day, at most once a week; no
 *   day the old zone closed is lived again (moving west, the first new day lasts longer), so no closed
 *   day can be created, saved or extended, and no day gets a second assignment.
 *
 * Every solved, frozen and skipped day is a `streak_days` row. Frozen rows are written by the next
 * completion's transaction; until then `streakAsOf` computes the same days and numbers from the user's
 * row, so a read never shows a stale streak.
 */
export const FREEZES_MAX = 2;
const DAYS_PER_FREEZE = 7;

const u = schema.users;
const sd = schema.streakDays;

/** The streak as the user's row stores it: as of `lastDay`, their latest solved day. */
export type StoredStreak = {
  current: number;
  best: number;
  lastDay: string | null;
  freezes: number;
  run: number;
  /** Skipped days after `lastDay`. */
  skipped: string[];
};

export type StreakAsOf = {
  current: number;
  best: number;
  freezes: number;
  run: number;
  /** Missed days a freeze covers (not yet rows when read between completions), oldest first. */
  frozen: string[];
};

/**
 * The missed days strictly between `lastDay` and `day`, oldest first, at most `limit` of them: past
 * that many the answer does not change, and a long absence costs no more than a short one.
 */
function missedDays(lastDay: string, day: string, skipped: ReadonlySet<string>, limit: number): string[] {
  const missed: string[] = [];
  for (let d = addDays(lastDay, 1); d < day && missed.length < limit; d = addDays(d, 1)) {
    if (!skipped.has(d)) missed.push(d);
  }
  return missed;
}

/** The streak on local day `today` (before any completion that day), spending freezes on missed days. */
export function streakAsOf(s: StoredStreak, today: string): StreakAsOf {
  const kept = { current: s.current, best: s.best, freezes: s.freezes, run: s.run, frozen: [] };
  if (!s.lastDay || s.lastDay >= today) return kept;
  const missed = missedDays(s.lastDay, today, new Set(s.skipped), s.freezes + 1);
  if (missed.length === 0) return kept;
  if (missed.length <= s.freezes) {
    return { ...kept, freezes: s.freezes - missed.length, run: 0, frozen: missed };
  }
  return { current: 0, best: s.best, freezes: 0, run: 0, frozen: missed.slice(0, s.freezes) };
}

export type CompletionStep = {
  /** The user's streak columns after the completion. */
  after: StreakAsOf & { lastDay: string };
  earnedFreeze: boolean;
  /** The frozen days before it, with the freezes left after each. */
  frozen: { day: string; freezes: number }[];
};

/**
 * What a completion on `day` does to the streak; null for a day already counted (a second completion
 * that day, or a legacy row dated after it).
 */
export function completionStep(s: StoredStreak, day: string): CompletionStep | null {
  if (s.lastDay && day <= s.lastDay) return null;
  const before = streakAsOf(s, day);
  const run = before.run + 1;
  const earnedFreeze = run % DAYS_PER_FREEZE === 0 && before.freezes < FREEZES_MAX;
  const current = before.current + 1;
  return {
    after: {
      current,
      best: Math.max(before.best, current),
      freezes: before.freezes + (earnedFreeze ? 1 : 0),
      run,
      frozen: before.frozen,
      lastDay: day,
    },
    earnedFreeze,
    frozen: before.frozen.map((d, i) => ({ day: d, freezes: s.freezes - i - 1 })),
  };
}

/** Skipped days after the user's last solved day: few (one per zone change at most), by the primary key. */
const skippedAfterLastDay = sql<string[]>`array(
  select ${sd.day}::text from ${sd}
  where ${sd.userId} = ${u.id} and ${sd.kind} = 'skipped'
    and ${sd.day} > coalesce(${u.lastCompletionDay}, '-infinity'::date)
  order by ${sd.day})`;

/** The columns `streakAsOf` and `effectiveDay` need, for any select from `users`. */
export const streakColumns = {
  ...zoneColumns,
  currentStreak: u.currentStreak,
  bestStreak: u.bestStreak,
  lastCompletionDay: u.lastCompletionDay,
  freezesHeld: u.freezesHeld,
  solvedRun: u.solvedRun,
  skippedDays: skippedAfterLastDay,
};

export type StreakRow = ZoneState & {
  currentStreak: number;
  bestStreak: number;
  lastCompletionDay: string | null;
  freezesHeld: number;
  solvedRun: number;
  skippedDays: string[] | null;
};

function storedStreak(row: StreakRow): StoredStreak {
  return {
    current: row.currentStreak,
    best: row.bestStreak,
    lastDay: row.lastCompletionDay,
    freezes: row.freezesHeld,
    run: row.solvedRun,
    skipped: row.skippedDays ?? [],
  };
}

/** The user's local today at `now` and their streak on it: what `status`, `auth.me` and a submit show. */
export function streakToday(row: StreakRow, now: Date): StreakAsOf & { today: string } {
  const today = effectiveDay(now, row);
  return { ...streakAsOf(storedStreak(row), today), today };
}

/**
 * Reads the user's streak row in a completion's transaction, locked `for no key update`: it waits for
 * the user's other completions, but not for the key-share locks their inserts' foreign keys hold, so
 * two completions cannot deadlock.
 */
export async function lockedStreakRow(tx: Executor, userId: string): Promise<StreakRow | undefined> {
  const [row] = await tx.select(streakColumns).from(u).where(eq(u.id, userId)).for('no key update');
  return row;
}

/**
 * Records a completion on `day` in the completion's transaction, the user's row locked by
 * `lockedStreakRow` (so concurrent completions of one user take their turns and a day counts once):
 * the frozen days before it and the solved day as rows, and the streak columns. The `streak_days`
 * primary key refuses a day counted twice whatever happens. Returns the streak after it.
 */
export async function recordStreakDay(
  tx: Executor,
  userId: string,
  row: StreakRow,
  day: string,
): Promise<{ current: number; best: number }> {
  const step = completionStep(storedStreak(row), day);
  if (!step) return { current: row.currentStreak, best: row.bestStreak };
  const { after } = step;
  await tx
    .insert(sd)
    .values([
      ...step.frozen.map((f) => ({
        userId,
        day: f.day,
        kind: 'frozen' as const,
        streak: row.currentStreak,
        freezes: f.freezes,
      })),
      {
        userId,
        day,
        kind: 'solved' as const,
        streak: after.current,
        freezes: after.freezes,
        earnedFreeze: step.earnedFreeze,
      },
    ])
    .onConflictDoNothing();
  await tx
    .update(u)
    .set({
      currentStreak: after.current,
      bestStreak: after.best,
      lastCompletionDay: day,
      freezesHeld: after.freezes,
      solvedRun: after.run,
    })
    .where(eq(u.id, userId));
  return { current: after.current, best: after.best };
}

/** The user's streak rows from `from` to `to`, oldest first (the primary key's range). */
export async function streakDaysBetween(db: Executor, userId: string, from: string, to: string) {
  return db
    .select({ day: sd.day, kind: sd.kind })
    .from(sd)
    .where(and(eq(sd.userId, userId), sql`${sd.day} between ${from}::date and ${to}::date`))
    .orderBy(sd.day);
}
