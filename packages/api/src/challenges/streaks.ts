import { schema } from '@skillbytes/db';
import { type SQL, sql } from 'drizzle-orm';
import { addDays } from '../lib/local-day.ts';

const u = schema.users;

/**
 * The `SET` clause that records a completion on local day `day`, evaluated by PostgreSQL against the
 * row as it is when the update runs (so two completions committing one after the other both count):
 * a second completion the same day leaves the streak alone, one the day after the last extends it,
 * anything else starts again at 1. The best streak only grows. A completion dated before the last one
 * (the user moved to a zone behind their old one) counts as the same day.
 */
export function advanceStreak(day: string): { currentStreak: SQL; bestStreak: SQL; lastCompletionDay: SQL } {
  const current = sql`case
    when ${u.lastCompletionDay} >= ${day}::date then ${u.currentStreak}
    when ${u.lastCompletionDay} = ${day}::date - 1 then ${u.currentStreak} + 1
    else 1 end`;
  return {
    currentStreak: current,
    bestStreak: sql`greatest(${u.bestStreak}, ${current})`,
    lastCompletionDay: sql`greatest(coalesce(${u.lastCompletionDay}, ${day}::date), ${day}::date)`,
  };
}

/** The streak as shown today: it is broken (0) once a whole local day has passed without a completion. */
export function effectiveStreak(
  currentStreak: number,
  lastCompletionDay: string | null,
  today: string,
): number {
  if (!lastCompletionDay || lastCompletionDay < addDays(today, -1)) return 0;
  return currentStreak;
}
