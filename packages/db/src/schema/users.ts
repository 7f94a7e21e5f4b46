import { sql } from 'drizzle-orm';
import {
  check,
  date,
  index,
  integer,
  pgTable,
  text,
  timestamp,
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
    timezone: text().notNull().default('UTC'),
    points: integer().notNull().default(0),
    currentStreak: integer().notNull().default(0),
    bestStreak: integer().notNull().default(0),
    /** The user's local date of their latest completion: the streak continues from it. */
    lastCompletionDay: date({ mode: 'string' }),
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
