import type { CalendarDay } from '@skillbytes/shared';
import { plural } from './format.ts';

/** What a day of the calendar shows; `open` is today's assignment, still to be solved. */
export type DayState = 'solved' | 'frozen' | 'missed' | 'open' | 'none';

const STATE_LABELS: Record<DayState, string> = {
  solved: 'solved',
  frozen: 'covered by a streak freeze',
  missed: 'assigned, not solved',
  open: 'assigned, not solved yet',
  none: 'no challenge',
};

/** The legend's order: what counts for the streak first. */
const LEGEND: DayState[] = ['solved', 'frozen', 'missed', 'none'];

/**
 * A day's state. A frozen day is one the streak survived, whether or not a challenge was assigned; the
 * last day of the calendar is today, which can still be solved, so it is not called missed.
 */
function dayState(day: CalendarDay, isToday: boolean): DayState {
  if (day.solved) return 'solved';
  if (day.frozen) return 'frozen';
  if (day.assigned) return isToday ? 'open' : 'missed';
  return 'none';
}

/** Local dates are calendar days, not instants: they are formatted in UTC so no zone shifts them. */
const longDate = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

const utcDate = (date: string) => new Date(`${date}T00:00:00Z`);

/** 1 for Monday to 7 for Sunday: the grid's row. */
const weekdayRow = (date: string) => ((utcDate(date).getUTCDay() + 6) % 7) + 1;

/** The label of each day, read by screen readers and shown on hover: the date, then the state. */
function dayLabel(date: string, state: DayState): string {
  return `${longDate.format(utcDate(date))}: ${STATE_LABELS[state]}`;
}

/**
 * A year of practice as a grid of days, a column per week (Monday on top), from `challenges.calendar`
 * (oldest first, the last day being the caller's today). Each day carries its date and state as its
 * accessible name and title; a summary above gives the counts in words.
 */
export function ActivityCalendar({ days }: { days: CalendarDay[] }) {
  const last = days.length - 1;
  const states = days.map((d, i) => dayState(d, i === last));
  const count = (s: DayState) => states.filter((x) => x === s).length;

  return (
    <section aria-labelledby="calendar-title" className="calendar">
      <h2 id="calendar-title">Activity</h2>
      <p data-testid="calendar-summary">
        {plural(count('solved'), 'day')} solved, {plural(count('frozen'), 'day')} frozen,{' '}
        {plural(count('missed'), 'day')} missed in the last {plural(days.length, 'day')}.
      </p>
      <ol className="days" aria-label="Activity calendar">
        {days.map((day, i) => {
          const label = dayLabel(day.date, states[i] as DayState);
          return (
            <li
              key={day.date}
              className={`day ${states[i]}`}
              data-date={day.date}
              data-state={states[i]}
              title={label}
              aria-label={label}
              style={i === 0 ? { gridRowStart: weekdayRow(day.date) } : undefined}
            />
          );
        })}
      </ol>
      <ul className="legend" aria-label="Legend">
        {LEGEND.map((s) => (
          <li key={s}>
            <span className={`day ${s}`} aria-hidden="true" /> {STATE_LABELS[s]}
          </li>
        ))}
      </ul>
    </section>
  );
}
