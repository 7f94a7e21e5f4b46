import { schema } from '@skillbytes/db';
import { sql } from 'drizzle-orm';
import type { Difficulty, TestCase } from '@skillbytes/shared';

const c = schema.challenges;

/**
 * What a user may see of a challenge. Written out column by column, never `select *` minus something:
 * a column added later stays private until someone adds it here. Hidden tests, the generator and the
 * reference solution are never part of it (a type test in projection.test.ts holds that).
 */
export const publicChallengeColumns = {
  id: c.id,
  slug: c.slug,
  title: c.title,
  summary: c.summary,
  description: c.description,
  difficulty: c.difficulty,
  language: c.language,
  languages: c.languages,
  tags: c.tags,
  points: c.points,
  functionName: c.functionName,
  starterCode: c.starterCode,
  // the hint itself only through challenges.hint, which records that it was opened
  hasHint: sql<boolean>`(${c.help} is not null)`.mapWith(Boolean),
  tests: c.tests,
  publishedAt: c.publishedAt,
};

export type PublicChallenge = {
  id: string;
  slug: string;
  title: string;
  summary: string;
  description: string;
  difficulty: Difficulty;
  /** The language of the starter code. */
  language: string;
  /** The languages the challenge takes solutions in. */
  languages: string[];
  tags: string[];
  points: number;
  functionName: string;
  starterCode: string | null;
  /** Whether challenges.hint has a hint to give (the text is never part of the challenge). */
  hasHint: boolean;
  /** The visible tests only. */
  tests: TestCase[];
  publishedAt: Date | null;
};

/** One line of a list (completed challenges, admin list). */
export const challengeSummaryColumns = {
  id: c.id,
  slug: c.slug,
  title: c.title,
  summary: c.summary,
  difficulty: c.difficulty,
  tags: c.tags,
  points: c.points,
};

export type ChallengeSummary = Pick<
  PublicChallenge,
  'id' | 'slug' | 'title' | 'summary' | 'difficulty' | 'tags' | 'points'
>;

/** A user's completion of a challenge, or nulls when they have not completed it. */
export type CompletionState = {
  completed: boolean;
  completedAt: Date | null;
  pointsAwarded: number | null;
};

export function completionState(row: {
  completedAt: Date | null;
  pointsAwarded: number | null;
}): CompletionState {
  return {
    completed: row.completedAt !== null,
    completedAt: row.completedAt,
    pointsAwarded: row.pointsAwarded,
  };
}

/** Picks exactly the public fields out of a row that may hold more. */
export function toPublicChallenge(row: PublicChallenge): PublicChallenge {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    summary: row.summary,
    description: row.description,
    difficulty: row.difficulty,
    language: row.language,
    languages: row.languages,
    tags: row.tags,
    points: row.points,
    functionName: row.functionName,
    starterCode: row.starterCode,
    hasHint: row.hasHint,
    tests: row.tests,
    publishedAt: row.publishedAt,
  };
}
