import { type Executor, schema } from '@skillbytes/db';
import { eq, sql } from 'drizzle-orm';
import { DomainError } from '../errors.ts';
import {
  addDays,
  effectiveDay,
  effectiveZone,
  localDay,
  type ZoneState,
  zoneColumns,
} from '../lib/local-day.ts';

const u = schema.users;

/** One zone change a week: more would let a user pick their days. */
const TIMEZONE_CHANGE_INTERVAL_MS = 7 * 24 * 60 * 60 * 1000;

/** The first instant after `after` whose date in `timeZone` is `day` or later (a bisection to the ms). */
function startOfDay(day: string, timeZone: string, after: Date): Date {
  let lo = after.getTime();
  let hi = lo + 3 * 24 * 60 * 60 * 1000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDay(new Date(mid), timeZone) >= day) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

export type ZoneChange = Pick<
  typeof u.$inferInsert,
  'timezone' | 'pendingTimezone' | 'pendingTimezoneAt' | 'dayFloor' | 'timezoneChangedAt'
>;

/**
 * The columns that move the user to `timezone` at `now`, or null when it is already theirs. The rules
 * (so that the clock cannot buy extra days, assignments or streak days):
 * - A user who was never assigned a day (onboarding) moves at once: they have no day to game.
 * - Otherwise the change waits for the end of the local day in the old zone, `today`: the new zone
 *   takes over at the first instant of `today + 1` in the old zone, and no day before `today + 1` is
 *   ever lived again (`dayFloor`): moving west, that day lasts until the new zone leaves it.
 * - Moving east can jump over `today + 1` (UTC−12 to UTC+14): such a day is written as `skipped` now,
 *   so it is neither solved nor missed.
 * - At most one change a week (TIMEZONE_CHANGE_TOO_SOON, `details.allowedAt` and `retryAfter`), a
 *   pending one included.
 */
export async function zoneChange(
  tx: Executor,
  userId: string,
  timezone: string,
  now: Date,
): Promise<ZoneChange | null> {
  const [row] = await tx
    .select({
      ...zoneColumns,
      timezoneChangedAt: u.timezoneChangedAt,
      lived: sql<boolean>`exists (select 1 from ${schema.dailyAssignments} da where da.user_id = ${u.id})
        or exists (select 1 from ${schema.completions} cp where cp.user_id = ${u.id})`,
    })
    .from(u)
    .where(eq(u.id, userId))
    .for('no key update');
  if (!row) return null;
  const current = effectiveZone(now, row);
  const pending = row.pendingTimezone !== null && current !== row.pendingTimezone;
  if (timezone === (pending ? row.pendingTimezone : current)) return null;
  if (!row.lived) {
    return { timezone, pendingTimezone: null, pendingTimezoneAt: null };
  }
  assertChangeAllowed(row.timezoneChangedAt, now);
  return scheduledChange(tx, userId, row, timezone, now);
}

function assertChangeAllowed(lastChange: Date | null, now: Date): void {
  if (!lastChange) return;
  const allowedAt = new Date(lastChange.getTime() + TIMEZONE_CHANGE_INTERVAL_MS);
  if (now < allowedAt) {
    throw new DomainError(
      'TIMEZONE_CHANGE_TOO_SOON',
      `The time zone can change once a week: next from ${allowedAt.toISOString()}`,
      // `retryAfter` (seconds) as every 429 has it: the auth router sends it as `Retry-After`.
      {
        allowedAt: allowedAt.toISOString(),
        retryAfter: Math.ceil((allowedAt.getTime() - now.getTime()) / 1000),
      },
    );
  }
}

/** A change from the next local day (see `zoneChange`), writing the day it skips, if any. */
async function scheduledChange(
  tx: Executor,
  userId: string,
  row: ZoneState,
  timezone: string,
  now: Date,
): Promise<ZoneChange> {
  const oldZone = effectiveZone(now, row);
  const firstNewDay = addDays(effectiveDay(now, row), 1);
  const at = startOfDay(firstNewDay, oldZone, now);
  const skipped: string[] = [];
  for (let d = firstNewDay; d < localDay(at, timezone); d = addDays(d, 1)) skipped.push(d);
  if (skipped.length > 0) {
    await tx
      .insert(schema.streakDays)
      .values(skipped.map((day) => ({ userId, day, kind: 'skipped' as const })))
      .onConflictDoNothing();
  }
  return {
    timezone: oldZone,
    pendingTimezone: timezone,
    pendingTimezoneAt: at,
    dayFloor: firstNewDay,
    timezoneChangedAt: now,
  };
}
