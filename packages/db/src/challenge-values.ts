import type { ChallengeCore } from '@skillbytes/shared';
import type { challenges } from './schema/challenges.ts';

/** The `challenges` columns a challenge's content fills (status, slug and timestamps are the caller's). */
export function challengeContentValues(c: ChallengeCore) {
  return {
    title: c.title,
    summary: c.summary,
    description: c.description,
    difficulty: c.difficulty,
    language: c.language,
    languages: c.languages,
    tags: c.tags,
    points: c.points,
    functionName: c.functionName,
    starterCode: c.starterCode ?? null,
    help: c.help ?? null,
    tests: c.tests,
    hiddenTests: c.hiddenTests,
    generator: c.generator ?? null,
    solution: c.solution ?? null,
  } satisfies Partial<typeof challenges.$inferInsert>;
}
