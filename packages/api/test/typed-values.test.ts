import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import type { CallTest, ChallengeCore, JsonValue, TestCase } from '@skillbytes/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { defaultApiConfig } from '../src/config.ts';
import type { DomainError } from '../src/errors.ts';
import { createJudge } from '../src/judge/index.ts';
import { publishedForNewUser } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';
import { expectTrpcError } from './trpc-errors.ts';

/**
 * Challenges whose tests hold typed values in the author form (BigInt, Date, undefined, NaN, -0, Map,
 * Set), through the real stack: created by an admin (the judge checks them), stored, assigned, and
 * judged for a user. Each has a reference that is accepted, a wrong variant that is refused, and a
 * self-contradicting version that authoring refuses.
 */
const judge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 10_000, testTimeoutMs: 5000 });

let api: TestApi;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
beforeAll(async () => {
  api = await createTestApi({ judge });
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

const test = (input: JsonValue[], expectedOutput: JsonValue): CallTest => ({ input, expectedOutput });

/** A challenge around `functionName`, with a unique title. */
function challenge(
  fields: Pick<ChallengeCore, 'functionName' | 'tests' | 'hiddenTests' | 'solution'>,
): ChallengeCore {
  return {
    title: `${fields.functionName} ${randomUUID().slice(0, 8)}`,
    summary: 'A challenge with typed values.',
    description: `Write \`${fields.functionName}\`.`,
    difficulty: 'easy',
    language: 'javascript',
    languages: ['javascript', 'typescript'],
    tags: [],
    points: 10,
    ...fields,
  };
}

/** Creates and publishes a challenge, and a user who may run and submit it. */
const published = (c: ChallengeCore) => publishedForNewUser(api, admin, c);

/** The problems authoring names when it refuses a challenge. */
async function refusedProblems(c: ChallengeCore): Promise<string[]> {
  const error = await expectTrpcError(
    api.as(admin).challenges.create({ challenge: c }),
    'BAD_REQUEST',
    'CHALLENGE_INVALID',
  );
  return ((error.cause as DomainError).details?.problems as string[]) ?? [];
}

const FACTORIAL = challenge({
  functionName: 'factorial',
  tests: [
    test([5], { $bigint: '120' }),
    test([25], { $bigint: '15511210043330985984000000' }),
    test([{ $bigint: '0' }], { $bigint: '1' }),
  ],
  hiddenTests: [test([30], { $bigint: '265252859812191058636308480000000' }), test([3], { $bigint: '6' })],
  solution: 'function factorial(n) { let p = 1n; for (let i = 2n; i <= BigInt(n); i++) p *= i; return p; }',
});

describe('a challenge with BigInt answers', () => {
  it('stores its tests exactly as written and shows them to the user that way', async () => {
    const { created, caller } = await published(FACTORIAL);
    expect(created.tests).toEqual(FACTORIAL.tests);
    expect(created.hiddenTests).toEqual(FACTORIAL.hiddenTests);
    const { challenge: shown } = await caller.challenges.byId({ id: created.id });
    expect(shown.tests).toEqual(FACTORIAL.tests);
    // Kept as text: the stored JSON reads back with the tags as they were.
    const [row] = await api.database.db
      .select({ tests: schema.challenges.tests })
      .from(schema.challenges)
      .where(eq(schema.challenges.id, created.id));
    expect(JSON.stringify(row?.tests)).toBe(JSON.stringify(FACTORIAL.tests));
  });

  it('accepts the BigInt answer and refuses the same number as a Number, showing both in the author form', async () => {
    const { submit, run } = await published(FACTORIAL);
    expect(await submit(FACTORIAL.solution!)).toMatchObject({
      status: 'accepted',
      passed: 3,
      hidden: 'passed',
    });
    const asNumber =
      'function factorial(n) { let p = 1; for (let i = 2; i <= Number(n); i++) p *= i; return p; }';
    expect(await run(asNumber)).toMatchObject({
      status: 'wrong_answer',
      passed: 0,
      firstFailure: { kind: 'visible', index: 0, input: [5], expected: { $bigint: '120' }, actual: 120 },
    });
    // What the verdict shows pastes back into a test as the value the solution returned.
    const rounded = await run('const factorial = (n) => BigInt(Math.round(Number(n) ** 2.5));');
    expect(rounded.firstFailure?.actual).toEqual({ $bigint: '56' });
  });

  it('is refused when its reference disagrees with a test', async () => {
    const contradicting = { ...FACTORIAL, title: `contradicting ${randomUUID()}` };
    contradicting.hiddenTests = [...FACTORIAL.hiddenTests, test([4], { $bigint: '25' })];
    const problems = await refusedProblems(contradicting);
    expect(problems).toEqual([
      expect.stringMatching(
        /reference solution fails hidden test 3.*expected \{"\$bigint":"25"\}.*got \{"\$bigint":"24"\}/,
      ),
    ]);
  });
});

const COUNT_WORDS = challenge({
  functionName: 'countWords',
  tests: [
    test([['to', 'be', 'or', 'not', 'to', 'be'], { $set: ['or', 'not'] }], {
      $map: [
        ['to', 2],
        ['be', 2],
      ],
    }),
    test([['a'], { $set: [] }], { $map: [['a', 1]] }),
  ],
  hiddenTests: [
    test([['x', 'y', 'x', 'z'], { $set: ['z'] }], {
      $map: [
        ['x', 2],
        ['y', 1],
      ],
    }),
    test([['q'], { $set: ['q'] }], { $map: [] }),
  ],
  solution: `function countWords(words, stop) {
    const counts = new Map();
    for (const w of words) if (!stop.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  }`,
});

describe('a challenge with a Set argument and a Map answer', () => {
  it('accepts a Map in any order and refuses a plain object with the same counts', async () => {
    const { submit, run } = await published(COUNT_WORDS);
    expect(await submit(COUNT_WORDS.solution!)).toMatchObject({ status: 'accepted', hidden: 'passed' });
    const reversed = `function countWords(words, stop) {
      const kept = words.filter((w) => !stop.has(w)).reverse();
      const counts = new Map();
      for (const w of kept) counts.set(w, (counts.get(w) ?? 0) + 1);
      return counts;
    }`;
    expect(await submit(reversed)).toMatchObject({ status: 'accepted' });
    const plain = `function countWords(words, stop) {
      const counts = {};
      for (const w of words) if (!stop.has(w)) counts[w] = (counts[w] ?? 0) + 1;
      return counts;
    }`;
    expect(await run(plain)).toMatchObject({
      status: 'wrong_answer',
      firstFailure: {
        index: 0,
        input: (COUNT_WORDS.tests[0] as CallTest).input,
        expected: {
          $map: [
            ['to', 2],
            ['be', 2],
          ],
        },
        actual: { to: 2, be: 2 },
      },
    });
  });

  it('is refused when its reference disagrees with a test', async () => {
    const problems = await refusedProblems({
      ...COUNT_WORDS,
      title: `contradicting ${randomUUID()}`,
      tests: [...COUNT_WORDS.tests, test([['a', 'a'], { $set: [] }], { $map: [['a', 1]] })],
    });
    expect(problems).toEqual([expect.stringMatching(/reference solution fails visible test 3/)]);
  });
});

const ADD_DAYS = challenge({
  functionName: 'addDays',
  tests: [
    test([{ $date: '2024-02-28T00:00:00.000Z' }, 1], { $date: '2024-02-29T00:00:00.000Z' }),
    test([{ $date: '2024-03-31T12:30:00.000Z' }, -31], { $date: '2024-02-29T12:30:00.000Z' }),
  ],
  hiddenTests: [
    test([{ $date: '2023-12-31T23:59:59.999Z' }, 1], { $date: '2024-01-01T23:59:59.999Z' }),
    test([{ $date: '2023-02-28T00:00:00.000Z' }, 1], { $date: '2023-03-01T00:00:00.000Z' }),
  ],
  solution: 'const addDays = (date, n) => new Date(date.getTime() + n * 86400000);',
});

describe('a challenge with Date arguments and answers', () => {
  it('accepts a Date and refuses its ISO text', async () => {
    const { submit, run } = await published(ADD_DAYS);
    expect(await submit(ADD_DAYS.solution!)).toMatchObject({ status: 'accepted', hidden: 'passed' });
    const text = 'const addDays = (date, n) => new Date(date.getTime() + n * 86400000).toISOString();';
    expect(await run(text)).toMatchObject({
      status: 'wrong_answer',
      firstFailure: { expected: { $date: '2024-02-29T00:00:00.000Z' }, actual: '2024-02-29T00:00:00.000Z' },
    });
    const offByOne = await run('const addDays = (date, n) => new Date(date.getTime() + (n + 1) * 86400000);');
    expect(offByOne.firstFailure?.actual).toEqual({ $date: '2024-03-01T00:00:00.000Z' });
  });

  it('is refused when its reference disagrees with a test', async () => {
    const problems = await refusedProblems({
      ...ADD_DAYS,
      title: `contradicting ${randomUUID()}`,
      hiddenTests: [
        ...ADD_DAYS.hiddenTests,
        test([{ $date: '2024-02-28T00:00:00.000Z' }, 1], { $date: '2024-03-01T00:00:00.000Z' }),
      ],
    });
    expect(problems).toEqual([expect.stringMatching(/reference solution fails hidden test 3/)]);
  });
});

const NEGATE_ALL = challenge({
  functionName: 'negateAll',
  tests: [
    test([[0, 1, { $number: 'Infinity' }]], [{ $number: '-0' }, -1, { $number: '-Infinity' }]),
    test([[{ $undefined: true }, { $number: 'NaN' }, -2]], [{ $undefined: true }, { $number: 'NaN' }, 2]),
  ],
  hiddenTests: [
    test([[5, { $number: '-0' }]], [-5, 0]),
    test([[{ $undefined: true }, 0]], [{ $undefined: true }, { $number: '-0' }]),
  ],
  solution: 'const negateAll = (xs) => xs.map((x) => (x === undefined ? undefined : -x));',
});

describe('a challenge with NaN, ±Infinity, -0 and undefined', () => {
  it('accepts -0 where the test says -0, and refuses +0 there', async () => {
    const { submit, run } = await published(NEGATE_ALL);
    expect(await submit(NEGATE_ALL.solution!)).toMatchObject({ status: 'accepted', hidden: 'passed' });
    const plusZero = await run(
      'const negateAll = (xs) => xs.map((x) => (x === undefined ? undefined : 0 - x));',
    );
    expect(plusZero).toMatchObject({
      status: 'wrong_answer',
      passed: 1,
      firstFailure: {
        index: 0,
        expected: [{ $number: '-0' }, -1, { $number: '-Infinity' }],
        actual: [0, -1, { $number: '-Infinity' }],
      },
    });
  });

  it('refuses NaN where the test says undefined', async () => {
    const { run } = await published({ ...NEGATE_ALL, title: `negate ${randomUUID()}` });
    expect(await run('const negateAll = (xs) => xs.map((x) => -x);')).toMatchObject({
      status: 'wrong_answer',
      firstFailure: { index: 1, actual: [{ $number: 'NaN' }, { $number: 'NaN' }, 2] },
    });
  });

  it('is refused when its reference disagrees with a test', async () => {
    const problems = await refusedProblems({
      ...NEGATE_ALL,
      title: `contradicting ${randomUUID()}`,
      tests: [...NEGATE_ALL.tests, test([[0]], [0]), test([[{ $number: '-0' }]], [{ $number: '-0' }])],
    });
    // A plain 0 takes either zero, so only the second added test contradicts the reference.
    expect(problems).toEqual([
      expect.stringMatching(
        /reference solution fails visible test 4.*expected \[\{"\$number":"-0"\}\].*got \[0\]/,
      ),
    ]);
  });
});

describe('malformed tags', () => {
  /** The zod issues of a refused create, union branches included, as `path: message`. */
  async function refusedFields(c: unknown): Promise<string[]> {
    const error = await expectTrpcError(
      api.as(admin).challenges.create({ challenge: c as ChallengeCore }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    const walk = (issues: z.core.$ZodIssue[]): string[] =>
      issues.flatMap((issue) => [
        `${issue.path.join('.')}: ${issue.message}`,
        ...(issue.code === 'invalid_union' ? issue.errors.flatMap((branch) => walk(branch)) : []),
      ]);
    return walk((error.cause as z.ZodError).issues);
  }

  it('are refused with VALIDATION_FAILED, naming the tag and what it wants', async () => {
    const repeatedKey: JsonValue = {
      $map: [
        [1, 2],
        [1, 3],
      ],
    };
    const bad: [TestCase, RegExp][] = [
      [test([{ $bigint: '1.5' }], 1), /^challenge\.tests\.0\.input\.0\.\$bigint: expected an integer string/],
      [
        test([1], { $date: '2024-01-02' }),
        /^challenge\.tests\.0\.expectedOutput\.\$date: expected a date as toISOString\(\) writes it/,
      ],
      [test([1], { $number: 'nan' }), /^challenge\.tests\.0\.expectedOutput\.\$number: expected "NaN"/],
      [test([repeatedKey], 1), /^challenge\.tests\.0\.input\.0\.\$map\.1\.0: a repeated Map key/],
      [test([{ $set: {} }], 1), /^challenge\.tests\.0\.input\.0\.\$set: expected an array of members/],
    ];
    for (const [t, message] of bad) {
      const fields = await refusedFields({ ...FACTORIAL, title: `bad ${randomUUID()}`, tests: [t] });
      expect(fields).toContainEqual(expect.stringMatching(message));
    }
    // Legacy bodies are read the same way.
    const legacy = {
      selectorDescription: 'Double a number',
      description: '<p>Return 2 * n</p>',
      testCases: [{ input: { $bigint: 'two' }, expectedOutput: 4 }],
      functionName: 'double',
      points: 10,
      difficulty: 'easy',
    };
    expect(await refusedFields(legacy)).toContainEqual(
      expect.stringMatching(/testCases\.0\.input\.\$bigint: expected an integer string/),
    );
  });

  it('are refused in an update too, and nothing is stored', async () => {
    const { created } = await published({ ...FACTORIAL, title: `update ${randomUUID()}` });
    await expectTrpcError(
      api.as(admin).challenges.update({
        id: created.id,
        patch: { tests: [test([5], { $bigint: '120', extra: 1 }), test([1], { $undefined: 'yes' })] },
      }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    const [row] = await api.database.db
      .select()
      .from(schema.challenges)
      .where(eq(schema.challenges.id, created.id));
    expect(row?.tests).toEqual(FACTORIAL.tests);
  });
});
