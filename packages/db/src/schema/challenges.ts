import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Generator, TestCase, Verdict } from '@skillbytes/shared';
import { users } from './users.ts';

export const challenges = pgTable(
  'challenges',
  {
    id: uuid().primaryKey().defaultRandom(),
    slug: text().notNull(),
    title: text().notNull(),
    /** The legacy `selectorDescription`: one line shown in lists. */
    summary: text().notNull(),
    description: text().notNull(),
    difficulty: text({ enum: ['beginner', 'easy', 'medium', 'hard'] }).notNull(),
    /** The language of the starter code and the reference solution. */
    language: text().notNull().default('javascript'),
    /** The languages solutions may be written in (the daily pick offers it to users of any of them). */
    languages: text().array().notNull().default(sql`'{javascript,typescript}'::text[]`),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    points: integer().notNull(),
    functionName: text().notNull(),
    starterCode: text(),
    help: text(),
    // `json`, not `jsonb`: jsonb reorders object keys (and refuses U+0000), and tests must be judged
    // exactly as the author wrote them, by the authoring check and by every submission alike.
    tests: json().$type<TestCase[]>().notNull(),
    hiddenTests: json().$type<TestCase[]>().notNull().default([]),
    generator: json().$type<Generator>(),
    solution: text(),
    /** The per-test time limit, derived at authoring from the reference solution (null: the judge's default). */
    testTimeLimitMs: integer(),
    /** How long the reference solution took on its slowest test when the challenge was checked. */
    referenceTestMs: integer(),
    status: text({ enum: ['draft', 'published', 'archived'] })
      .notNull()
      .default('draft'),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('challenges_slug_key').on(t.slug),
    // the daily pick: published challenges that accept the user's language (`languages @> array[...]`)
    index('challenges_pool_idx').using('gin', t.languages).where(sql`${t.status} = 'published'`),
    index('challenges_tags_idx').using('gin', t.tags),
    index('challenges_created_at_idx').on(t.createdAt, t.id),
    // admin list filtered by status, topics of published challenges
    index('challenges_status_created_idx').on(t.status, t.createdAt, t.id),
    check('challenges_points_check', sql`${t.points} > 0`),
  ],
);

export type ChallengeRow = typeof challenges.$inferSelect;

/** One challenge per user per local day. */
export const dailyAssignments = pgTable(
  'daily_assignments',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date({ mode: 'string' }).notNull(),
    challengeId: uuid()
      .notNull()
      .references(() => challenges.id, { onDelete: 'cascade' }),
    assignedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.day] }),
    index('daily_assignments_user_challenge_idx').on(t.userId, t.challengeId),
    index('daily_assignments_challenge_idx').on(t.challengeId),
  ],
);

export const submissions = pgTable(
  'submissions',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    challengeId: uuid()
      .notNull()
      .references(() => challenges.id, { onDelete: 'cascade' }),
    code: text().notNull(),
    /** The language the code was judged as. */
    language: text().notNull().default('javascript'),
    status: text().notNull(),
    passed: integer().notNull(),
    total: integer().notNull(),
    durationMs: integer().notNull(),
    /** Seed of the generated cases, so a failure can be replayed exactly. */
    seed: bigint({ mode: 'number' }),
    judgeVersion: text().notNull(),
    verdict: jsonb().$type<Verdict>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('submissions_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
    index('submissions_user_challenge_idx').on(t.userId, t.challengeId, t.createdAt.desc(), t.id.desc()),
    index('submissions_challenge_idx').on(t.challengeId),
    index('submissions_created_at_idx').on(t.createdAt),
  ],
);

/** The first accepted submission of a user for a challenge: points are paid exactly once. */
export const completions = pgTable(
  'completions',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    challengeId: uuid()
      .notNull()
      .references(() => challenges.id, { onDelete: 'cascade' }),
    submissionId: uuid().references(() => submissions.id, { onDelete: 'set null' }),
    points: integer().notNull(),
    /** The user's local date of the completion (streaks count local days). */
    day: date({ mode: 'string' }).notNull(),
    awardedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.challengeId] }),
    index('completions_user_awarded_idx').on(t.userId, t.awardedAt.desc(), t.challengeId.desc()),
    // challenges.solutions: a challenge's solvers newest first, a page from its keyset position; it also
    // serves what completions_challenge_idx did (its leading column), so that one is gone
    index('completions_challenge_awarded_idx').on(t.challengeId, t.awardedAt.desc(), t.userId.desc()),
    index('completions_awarded_at_idx').on(t.awardedAt),
  ],
);

/** Points per user per ISO week (Monday 00:00 UTC), kept in the completion's transaction. */
export const weeklyPoints = pgTable(
  'weekly_points',
  {
    weekStart: date({ mode: 'string' }).notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    points: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.weekStart, t.userId] }),
    index('weekly_points_rank_idx').on(t.weekStart, t.points.desc(), t.userId),
  ],
);

/** `pointsHistogram` for the weekly board: active users per positive weekly total, kept by a trigger on `weekly_points`. */
export const weeklyPointsHistogram = pgTable(
  'weekly_points_histogram',
  {
    weekStart: date({ mode: 'string' }).notNull(),
    points: integer().notNull(),
    users: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.weekStart, t.points] })],
);

/**
 * A user opened a challenge's hint, kept once (the first time) so the submission history can say which
 * attempts came after it. No penalty hangs on it; the primary key makes concurrent opens one row.
 */
export const hintUses = pgTable(
  'hint_uses',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    challengeId: uuid()
      .notNull()
      .references(() => challenges.id, { onDelete: 'cascade' }),
    usedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.challengeId] }),
    index('hint_uses_challenge_idx').on(t.challengeId),
  ],
);

/**
 * Points per user per calendar month (the 1st, 00:00 UTC), kept in the completion's transaction like
 * `weeklyPoints`: the `month` window of the leaderboard.
 */
export const monthlyPoints = pgTable(
  'monthly_points',
  {
    monthStart: date({ mode: 'string' }).notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    points: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.monthStart, t.userId] }),
    index('monthly_points_rank_idx').on(t.monthStart, t.points.desc(), t.userId),
  ],
);

/** `pointsHistogram` for the monthly board: active users per positive monthly total, kept by a trigger on `monthly_points`. */
export const monthlyPointsHistogram = pgTable(
  'monthly_points_histogram',
  {
    monthStart: date({ mode: 'string' }).notNull(),
    points: integer().notNull(),
    users: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.monthStart, t.points] })],
);
