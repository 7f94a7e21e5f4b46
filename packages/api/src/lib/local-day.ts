import { schema } from '@skillbytes/db';
import { type Placeholder, type SQL, sql } from 'drizzle-orm';

/**
 * Calendar days as the product counts them. A "day" is a `YYYY-MM-DD` string: the user's local date in
 * their IANA time zone (streaks and the daily pick), or a UTC date (weekly and monthly points).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The date at `instant` on a wall clock in `timeZone`. A zone the runtime does not know (the column is
 * validated on write, but an older ICU could lack a newer zone) falls back to UTC rather than failing the
 * user's request.
 */
export function localDay(instant: Date, timeZone: string): string {
  try {
    return formatterFor(timeZone).format(instant);
  } catch {
    return formatterFor('UTC').format(instant);
  }
}

/** The day `n` days after `day` (negative: before). Pure calendar arithmetic, no time zone involved. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Monday 00:00 UTC of the week containing `instant`, as a date: the key of the weekly leaderboard. */
export function weekStartUtc(instant: Date): string {
  const day = instant.toISOString().slice(0, 10);
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** The 1st, 00:00 UTC, of the calendar month containing `instant`, as a date: the key of the monthly leaderboard. */
export function monthStartUtc(instant: Date): string {
  return `${instant.toISOString().slice(0, 7)}-01`;
}

/**
 * What decides a user's local day: the zone in effect, a requested zone with the instant it takes
 * over, and the floor no day goes below. The columns of `users` of the same names.
 */
export type ZoneState = {
  timezone: string;
  pendingTimezone: string | null;
  pendingTimezoneAt: Date | null;
  dayFloor: string | null;
};

/** The zone in effect at `instant`: a pending zone takes over at its instant. */
export function effectiveZone(instant: Date, z: ZoneState): string {
  return z.pendingTimezone && z.pendingTimezoneAt && instant >= z.pendingTimezoneAt
    ? z.pendingTimezone
    : z.timezone;
}

/**
 * THE local day of a user, the one rule the daily pick, a completion, the streak and the calendar all
 * use (and `effectiveDaySql`, its copy for one-statement reads, which callers check against this one).
 * The date in the effective zone, but once a pending zone took over never before `dayFloor`: after a
 * move west the first new day lasts until the new zone reaches the day after it, so no closed day is
 * lived again.
 */
export function effectiveDay(instant: Date, z: ZoneState): string {
  const zone = effectiveZone(instant, z);
  const day = localDay(instant, zone);
  // The floor is the first day of the new zone: before it takes over, the old zone's days run as ever.
  const floored = z.dayFloor !== null && (z.pendingTimezone === null || zone === z.pendingTimezone);
  return floored && day < z.dayFloor! ? z.dayFloor! : day;
}

const u = schema.users;

/** The columns of `users` that make a ZoneState. */
export const zoneColumns = {
  timezone: u.timezone,
  pendingTimezone: u.pendingTimezone,
  pendingTimezoneAt: u.pendingTimezoneAt,
  dayFloor: u.dayFloor,
};

/**
 * `effectiveDay` in SQL over the `users` row, for statements that find the day's rows in one round
 * trip. PostgreSQL's zone data may differ from the runtime's: callers check the day it found against
 * `effectiveDay` and fall back when they differ. (`greatest` skips a null floor.)
 */
export function effectiveDaySql(now: SQL | Placeholder): SQL {
  const zone = sql`case when ${u.pendingTimezone} is not null and ${now}::timestamptz >= ${u.pendingTimezoneAt}
    then ${u.pendingTimezone} else ${u.timezone} end`;
  const floor = sql`case when ${u.pendingTimezone} is null or ${now}::timestamptz >= ${u.pendingTimezoneAt}
    then ${u.dayFloor} end`;
  return sql`greatest((${now}::timestamptz at time zone ${zone})::date, ${floor})`;
}
