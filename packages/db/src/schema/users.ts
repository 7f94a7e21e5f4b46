import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  primaryKey,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Stored trimmed and lower-cased; unique. */
    email: text().notNull(),
    /** Display case kept; unique case-insensitively. */
    username: text(),
    passwordHash: text().notNull(),
    role: text({ enum: ['user', 'admin'] })
      .notNull()
      .default('user'),
    name: text(),
    preferences: text().array().notNull().default(sql`'{}'::text[]`),
    language: text().notNull().default('javascript'),
    /** The time zone in effect (until `pendingTimezoneAt`, when `pendingTimezone` takes over). */
    timezone: text().notNull().default('UTC'),
    /** A requested zone, in effect from `pendingTimezoneAt` (the start of the old zone's next local day). */
    pendingTimezone: text(),
    pendingTimezoneAt: timestamp({ withTimezone: true }),
    /** When the user last changed zone: one change a week. */
    timezoneChangedAt: timestamp({ withTimezone: true }),
    /** No local day before this one is ever lived again: the first day after a zone change (monotone days). */
    dayFloor: date({ mode: 'string' }),
    points: integer().notNull().default(0),
    currentStreak: integer().notNull().default(0),
    bestStreak: integer().notNull().default(0),
    /** The user's local date of their latest completion: the streak continues from it. */
    lastCompletionDay: date({ mode: 'string' }),
    /** Streak freezes held (at most 2); each missed local day spends one (see streak_days). */
    freezesHeld: integer().notNull().default(0),
    /** Solved days in a row since the last frozen or missed day: each 7th earns a freeze. */
    solvedRun: integer().notNull().default(0),
    /** Whether others who solved a challenge may read this user's solution of it (challenges.solutions). */
    shareSolutions: boolean().notNull().default(true),
    /** TOTP secret, AES-256-GCM encrypted (api auth/mfa-secret.ts); in use once `mfaEnabledAt` is set. */
    mfaSecret: text(),
    /** A secret from `auth.mfa.setup` not yet confirmed by `auth.mfa.enable`; a new setup replaces it. */
    mfaPendingSecret: text(),
    mfaEnabledAt: timestamp({ withTimezone: true }),
    /** The last TOTP time step accepted: only a later one is (no replay within a code's window). */
    mfaLastStep: bigint({ mode: 'number' }).notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Soft delete: hidden everywhere; a login within the grace period restores the account. */
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    // all-time leaderboard: walk the index from the top, skip deleted accounts
    index('users_leaderboard_idx').on(t.points.desc(), t.id).where(sql`${t.deletedAt} is null`),
    index('users_created_at_idx').on(t.createdAt),
    check('users_role_check', sql`${t.role} in ('user', 'admin')`),
    check('users_points_check', sql`${t.points} >= 0`),
    check('users_freezes_held_check', sql`${t.freezesHeld} between 0 and 2`),
  ],
);

/**
 * One row per local day that counts for a user's streak, so every streak can be explained: `solved`
 * (a completion that day; `earnedFreeze` when it was a 7th solved day in a row), `frozen` (a missed day
 * a held freeze covered), `skipped` (a day a zone change to the east jumped over: never lived, never
 * missed). `streak` and `freezes` are the values after that day. Frozen rows are written by the next
 * completion's transaction; reads in between compute them (challenges/streaks.ts).
 */
export const streakDays = pgTable(
  'streak_days',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date({ mode: 'string' }).notNull(),
    kind: text({ enum: ['solved', 'frozen', 'skipped'] }).notNull(),
    streak: integer().notNull().default(0),
    freezes: integer().notNull().default(0),
    earnedFreeze: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.day] }),
    check('streak_days_kind_check', sql`${t.kind} in ('solved', 'frozen', 'skipped')`),
  ],
);

export type UserRow = typeof users.$inferSelect;

/**
 * How many active (not deleted) users have each positive points total. A trigger on `users` keeps it
 * in the same transaction as the points change (migration `leaderboard_histogram`), so a user's rank is
 * 1 + the sum over higher totals: O(distinct totals), not O(users). Users with 0 points are left out:
 * nobody ranks below them.
 */
export const pointsHistogram = pgTable('points_histogram', {
  points: integer().primaryKey(),
  users: integer().notNull().default(0),
});
