import { type Database, schema } from '@skillbytes/db';
import type { ChallengeCore, ChallengeInput } from '@skillbytes/shared';
import type { TestApi } from './helpers.ts';

let counter = 0;

/** A small, valid challenge: `add(a, b)`, with hidden tests, a generator and a reference solution. */
export function addChallenge(overrides: Partial<ChallengeCore> = {}): ChallengeCore {
  return {
    title: 'Add two numbers',
    summary: 'Return the sum of two integers.',
    description: 'Write `add(a, b)` that returns `a + b`.',
    difficulty: 'beginner',
    language: 'javascript',
    languages: ['javascript', 'typescript'],
    tags: ['math'],
    points: 10,
    functionName: 'add',
    starterCode: 'function add(a, b) {\n}\n',
    help: 'Use the + operator.',
    tests: [
      { input: [1, 2], expectedOutput: 3 },
      { input: [-4, 4], expectedOutput: 0 },
    ],
    hiddenTests: [{ input: [1000, 2345], expectedOutput: 3345 }],
    generator: {
      inFn: '[Math.floor(Math.random() * 1000), Math.floor(Math.random() * 1000)]',
      outFn: 'return output === input[0] + input[1];',
      cases: 5,
    },
    solution: 'function add(a, b) { return a + b; }',
    ...overrides,
  };
}

/**
 * Inserts a challenge straight into the database (no judge), published unless told otherwise. A challenge
 * given a `language` accepts only that one unless `languages` says otherwise: tests keep their daily pools
 * apart with made-up languages (see challenges-daily.test.ts).
 */
export async function insertChallenge(
  db: Database,
  values: Partial<typeof schema.challenges.$inferInsert> = {},
): Promise<typeof schema.challenges.$inferSelect> {
  counter += 1;
  const base = addChallenge();
  const [row] = await db
    .insert(schema.challenges)
    .values({
      slug: `fixture-${Date.now().toString(36)}-${counter}`,
      title: `Fixture ${counter}`,
      summary: base.summary,
      description: base.description,
      difficulty: base.difficulty,
      language: 'javascript',
      tags: [],
      points: 10,
      functionName: base.functionName,
      starterCode: base.starterCode,
      help: base.help,
      tests: base.tests,
      hiddenTests: base.hiddenTests,
      generator: base.generator,
      solution: base.solution,
      status: 'published',
      publishedAt: new Date(),
      ...(values.language ? { languages: [values.language] } : {}),
      ...values,
    })
    .returning();
  return row!;
}

/**
 * Creates and publishes a challenge through the API (so authoring checks it), and gives a new user an
 * assignment of it, which is what lets them run and submit it, without going through the daily pick.
 */
export async function publishedForNewUser(
  api: TestApi,
  admin: Awaited<ReturnType<TestApi['createUser']>>,
  challenge: ChallengeInput,
) {
  const created = await api.as(admin).challenges.create({ challenge, publish: true });
  const user = await api.createUser();
  await api.database.db
    .insert(schema.dailyAssignments)
    .values({ userId: user.id, day: '2020-01-01', challengeId: created.id });
  const caller = api.as(user);
  return {
    created,
    user,
    caller,
    submit: async (code: string) =>
      (await caller.challenges.submit({ challengeId: created.id, code })).verdict,
    run: async (code: string) => (await caller.challenges.run({ challengeId: created.id, code })).verdict,
  };
}

export { expectTrpcError } from './trpc-errors.ts';
