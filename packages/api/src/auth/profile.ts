import { schema } from '@skillbytes/db';
import type { Language, Profile } from '@skillbytes/shared';
import { streakColumns, type StreakRow, streakToday } from '../challenges/streaks.ts';
import { effectiveZone } from '../lib/local-day.ts';

const u = schema.users;

/**
 * The columns of `auth.me`: never the password hash or deletion state. The streak columns are read
 * whole: `toProfile` shows the streak and zone as of now, not as last stored.
 */
export const profileColumns = {
  id: u.id,
  email: u.email,
  username: u.username,
  name: u.name,
  role: u.role,
  preferences: u.preferences,
  language: u.language,
  points: u.points,
  createdAt: u.createdAt,
  ...streakColumns,
  shareSolutions: u.shareSolutions,
  mfaEnabledAt: u.mfaEnabledAt,
};

type ProfileRow = StreakRow & {
  [K in
    | 'id'
    | 'email'
    | 'username'
    | 'name'
    | 'role'
    | 'preferences'
    | 'language'
    | 'points'
    | 'shareSolutions'
    | 'mfaEnabledAt'
    | 'createdAt']: (typeof schema.users.$inferSelect)[K];
};

/**
 * The profile at `now`: the zone in effect and a pending one (until it takes over), and the streak as of
 * the user's local today (0 once a missed day had no freeze to cover it).
 */
export function toProfile(row: ProfileRow, now: Date): Profile {
  const timezone = effectiveZone(now, row);
  const pending = row.pendingTimezone !== null && timezone !== row.pendingTimezone;
  const streak = streakToday(row, now);
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    name: row.name,
    role: row.role,
    preferences: row.preferences,
    language: row.language as Language,
    timezone,
    pendingTimezone: pending ? row.pendingTimezone : null,
    pendingTimezoneAt: pending ? row.pendingTimezoneAt : null,
    points: row.points,
    currentStreak: streak.current,
    bestStreak: streak.best,
    shareSolutions: row.shareSolutions,
    mfaEnabled: row.mfaEnabledAt !== null,
    createdAt: row.createdAt,
  };
}
