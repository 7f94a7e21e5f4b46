/**
 * Calendar days as the product counts them. A "day" is a `YYYY-MM-DD` string: the user's local date in
 * their IANA time zone (streaks and the daily pick), or a UTC date (weekly points).
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
