import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, defaultApiConfig } from '../src/config.ts';
import type { DomainError } from '../src/errors.ts';
import { createJudge } from '../src/judge/index.ts';
import { addChallenge, expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';

/**
 * TypeScript solutions through the real stack: types stripped (never checked) in the judge's worker,
 * the same sandbox as JavaScript, the user's `language` as the default, and challenges that say which
 * languages they take.
 */
const judgeConfig = { ...defaultApiConfig().judge, timeoutMs: 10_000, testTimeoutMs: 5000 };
const roomyLimits = { ...DEFAULT_RATE_LIMITS, submitPerChallenge: { limit: 1000, windowSec: 60 } };

let api: TestApi;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
beforeAll(async () => {
  api = await createTestApi({
    judge: createJudge(judgeConfig),
    config: { judge: judgeConfig, rateLimits: roomyLimits },
  });
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

/** `add(a, b)` in TypeScript: an interface, a generic, annotations, `as`, an enum and an export. */
const TYPED_ADD = `interface Pair<T> {
  left: T;
  right: T;
}
enum Op {
  Add = 'add',
  Subtract = 'subtract',
}
type Numeric = number;
function apply<T extends Numeric>(op: Op, pair: Pair<T>): Numeric {
  return op === Op.Add ? pair.left + pair.right : pair.left - pair.right;
}
export function add(a: number, b: number): number {
  const pair = { left: a, right: b } as Pair<number>;
  return apply(Op.Add, pair);
}
`;
const WRONG_TYPED_ADD = TYPED_ADD.replace('apply(Op.Add, pair)', 'apply(Op.Subtract, pair)');
const JS_ADD = 'function add(a, b) { return a + b; }';

/** A user (of `language`) with a challenge assigned to them today, outside any daily pool. */
async function assigned(
  challenge: Partial<typeof schema.challenges.$inferInsert> = {},
  user: Partial<typeof schema.users.$inferInsert> = {},
) {
  const row = await insertChallenge(api.database.db, {
    languages: ['javascript', 'typescript'],
    ...challenge,
  });
  const u = await api.createUser(user);
  await api.database.db.insert(schema.dailyAssignments).values({
    userId: u.id,
    day: '2026-03-01',
    challengeId: row.id,
  });
  return { user: u, challenge: row, caller: api.as(u) };
}

async function submissionsOf(userId: string) {
  return api.database.db.select().from(schema.submissions).where(eq(schema.submissions.userId, userId));
}

describe('TypeScript solutions', () => {
  it('a typed solution (interface, generics, annotations, as, enum, export) is accepted on submit', async () => {
    const { user, challenge, caller } = await assigned();
    const result = await caller.challenges.submit({
      challengeId: challenge.id,
      code: TYPED_ADD,
      language: 'typescript',
    });
    expect(result.verdict).toMatchObject({ status: 'accepted', passed: 2, total: 2, hidden: 'passed' });
    // What is stored is what the user wrote, with the language it was judged as.
    expect(await submissionsOf(user.id)).toMatchObject([
      { code: TYPED_ADD, language: 'typescript', status: 'accepted' },
    ]);
  });

  it('a wrong TypeScript variant is refused with wrong_answer, and run shows the failing visible test', async () => {
    const { challenge, caller } = await assigned();
    const submitted = await caller.challenges.submit({
      challengeId: challenge.id,
      code: WRONG_TYPED_ADD,
      language: 'typescript',
    });
    expect(submitted.verdict.status).toBe('wrong_answer');
    const { verdict } = await caller.challenges.run({
      challengeId: challenge.id,
      code: WRONG_TYPED_ADD,
      language: 'typescript',
    });
    expect(verdict).toMatchObject({
      status: 'wrong_answer',
      firstFailure: { kind: 'visible', index: 0, input: [1, 2], expected: 3, actual: -1 },
    });
  });

  it('a TypeScript syntax error is a compile_error naming the line it is on', async () => {
    const { user, challenge, caller } = await assigned();
    const code = [
      'export function add(a: number, b: number): number {',
      '  const total: number = a + b;',
      "  const label: string = 'sum';",
      '  const broken: = total;',
      '  return total;',
      '}',
    ].join('\n');
    const { verdict } = await caller.challenges.submit({
      challengeId: challenge.id,
      code,
      language: 'typescript',
    });
    expect(verdict).toMatchObject({ status: 'compile_error', passed: 0, total: 2 });
    expect(verdict.message).toMatch(/^SyntaxError: .*\(line 4\)$/);
    expect(await submissionsOf(user.id)).toMatchObject([{ status: 'compile_error', language: 'typescript' }]);
  });

  it('an error thrown while loading names the user’s own line: stripping the types moves no line', async () => {
    const { challenge, caller } = await assigned();
    const code = `interface Box {\n  value: number;\n}\nconst box: Box = { value: 1 };\nthrow new RangeError('no');\n`;
    const { verdict } = await caller.challenges.run({
      challengeId: challenge.id,
      code,
      language: 'typescript',
    });
    expect(verdict.status).toBe('runtime_error');
    expect(verdict.message).toMatch(/RangeError: no \(line 5\)/);
  });

  it('a TypeScript namespace, which the transpiler would drop, is a compile_error saying so', async () => {
    const { challenge, caller } = await assigned();
    const code =
      'namespace Maths {\n  export const plus = (a: number, b: number) => a + b;\n}\nfunction add(a: number, b: number) { return Maths.plus(a, b); }';
    const { verdict } = await caller.challenges.run({
      challengeId: challenge.id,
      code,
      language: 'typescript',
    });
    expect(verdict).toMatchObject({ status: 'compile_error' });
    expect(verdict.message).toMatch(/namespaces are not supported.*\(line 1\)/);
  });
});

describe('which language a solution is judged in', () => {
  it('a user whose language is typescript submits without naming one: judged as TypeScript, recorded so', async () => {
    const { challenge, caller } = await assigned({}, { language: 'typescript' });
    const result = await caller.challenges.submit({ challengeId: challenge.id, code: TYPED_ADD });
    expect(result.verdict.status).toBe('accepted');
    const history = await caller.challenges.submissions({ challengeId: challenge.id });
    expect(history.items).toMatchObject([
      { id: result.submissionId, language: 'typescript', code: TYPED_ADD },
    ]);
  });

  it('a JavaScript user’s typed code without a language is judged as JavaScript: a compile_error', async () => {
    const { challenge, caller } = await assigned({}, { language: 'javascript' });
    const result = await caller.challenges.submit({ challengeId: challenge.id, code: TYPED_ADD });
    expect(result.verdict.status).toBe('compile_error');
    const history = await caller.challenges.submissions({ challengeId: challenge.id });
    expect(history.items).toMatchObject([{ language: 'javascript', status: 'compile_error' }]);
  });

  it('naming a language overrides the preference', async () => {
    const { challenge, caller } = await assigned({}, { language: 'typescript' });
    const result = await caller.challenges.submit({
      challengeId: challenge.id,
      code: JS_ADD,
      language: 'javascript',
    });
    expect(result.verdict.status).toBe('accepted');
    const history = await caller.challenges.submissions({ challengeId: challenge.id });
    expect(history.items).toMatchObject([{ language: 'javascript' }]);
  });

  it('a challenge that takes JavaScript only refuses a TypeScript submit with LANGUAGE_NOT_ACCEPTED, spending nothing', async () => {
    const { user, challenge, caller } = await assigned(
      { languages: ['javascript'] },
      { language: 'typescript' },
    );
    const error = await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: TYPED_ADD, language: 'typescript' }),
      'BAD_REQUEST',
      'LANGUAGE_NOT_ACCEPTED',
    );
    expect((error.cause as DomainError).details).toEqual({ accepted: ['javascript'] });
    await expectTrpcError(
      caller.challenges.run({ challengeId: challenge.id, code: TYPED_ADD, language: 'typescript' }),
      'BAD_REQUEST',
      'LANGUAGE_NOT_ACCEPTED',
    );
    expect(await submissionsOf(user.id)).toHaveLength(0);
    const budgets = await api.database.db
      .select({ bucket: schema.rateLimits.bucket })
      .from(schema.rateLimits);
    expect(budgets.filter((b) => b.bucket.includes(user.id))).toEqual([]);
    // Without a language, the TypeScript user's preference is not accepted here: the challenge's own is used.
    const plain = await caller.challenges.submit({ challengeId: challenge.id, code: JS_ADD });
    expect(plain.verdict.status).toBe('accepted');
    const spent = await api.database.db.select({ bucket: schema.rateLimits.bucket }).from(schema.rateLimits);
    expect(spent.filter((b) => b.bucket.includes(user.id))).toHaveLength(1);
    expect(await submissionsOf(user.id)).toMatchObject([{ language: 'javascript' }]);
  });

  it('a language the judge does not run is refused by validation', async () => {
    const { challenge, caller } = await assigned();
    await expectTrpcError(
      caller.challenges.submit({ challengeId: challenge.id, code: JS_ADD, language: 'python' as never }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('auth.updateProfile takes typescript, and auth.me shows it', async () => {
    const user = await api.createUser();
    await api.as(user).auth.updateProfile({ language: 'typescript' });
    expect((await api.as(user).auth.me()).language).toBe('typescript');
  });
});

describe('challenges list the languages they take', () => {
  it('the daily pick gives a TypeScript user only challenges that take TypeScript; its output lists them', async () => {
    const tag = `ts-${randomUUID().slice(0, 8)}`;
    const other = `${tag}-b`;
    // Two tags in common would win the pick, but this one takes JavaScript only.
    const jsOnly = await insertChallenge(api.database.db, { languages: ['javascript'], tags: [tag, other] });
    const both = await insertChallenge(api.database.db, { tags: [tag] });
    const tsUser = await api.createUser({ language: 'typescript', preferences: [tag, other] });
    const daily = await api.as(tsUser).challenges.daily();
    expect(daily.challenge).toMatchObject({ id: both.id, languages: ['javascript', 'typescript'] });
    const jsUser = await api.createUser({ language: 'javascript', preferences: [tag, other] });
    expect((await api.as(jsUser).challenges.daily()).challenge).toMatchObject({
      id: jsOnly.id,
      languages: ['javascript'],
    });
    const byId = await api.as(tsUser).challenges.byId({ id: both.id });
    expect(byId.challenge.languages).toEqual(['javascript', 'typescript']);
  });

  it('a challenge accepts both languages unless it says otherwise, the legacy body included', async () => {
    const created = await api.as(admin).challenges.create({
      challenge: addChallenge({ title: `Defaults ${randomUUID().slice(0, 8)}`, languages: undefined }),
    });
    expect(created).toMatchObject({ language: 'javascript', languages: ['javascript', 'typescript'] });
    const legacy = await api.as(admin).challenges.create({
      challenge: {
        selectorDescription: `Legacy ${randomUUID().slice(0, 8)}`,
        description: 'Return the list reversed.',
        difficulty: 'easy',
        points: 5,
        functionName: 'reversed',
        testCases: [{ input: [1, 2, 3], expectedOutput: [3, 2, 1] }],
        hiddenTests: [{ input: [4, 5], expectedOutput: [5, 4] }],
        solution: 'function reversed(xs) { return [...xs].reverse(); }',
      },
    });
    expect(legacy).toMatchObject({ language: 'javascript', languages: ['javascript', 'typescript'] });
    const listed = await api.as(admin).challenges.list({ query: created.slug });
    expect(listed.items).toMatchObject([{ id: created.id, languages: ['javascript', 'typescript'] }]);
  });

  it('refuses languages that are empty, repeated, or leave out the challenge’s own language', async () => {
    for (const languages of [[], ['javascript', 'javascript'], ['typescript']] as const) {
      await expectTrpcError(
        api.as(admin).challenges.create({ challenge: addChallenge({ languages: [...languages] }) }),
        'BAD_REQUEST',
        'VALIDATION_FAILED',
      );
    }
    const created = await api.as(admin).challenges.create({
      challenge: addChallenge({ title: `Own language ${randomUUID().slice(0, 8)}` }),
    });
    const error = await expectTrpcError(
      api.as(admin).challenges.update({ id: created.id, patch: { languages: ['typescript'] } }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect((error.cause as DomainError).details?.problems).toEqual([
      expect.stringMatching(/languages must include language/),
    ]);
    const updated = await api
      .as(admin)
      .challenges.update({ id: created.id, patch: { languages: ['javascript'] } });
    expect(updated.languages).toEqual(['javascript']);
  });
});

describe('challenges authored in TypeScript', () => {
  const TS_SOLUTION = 'export function add(a: number, b: number): number {\n  return (a as number) + b;\n}\n';

  it('a TypeScript reference solution is checked at authoring and accepted', async () => {
    const created = await api.as(admin).challenges.create({
      challenge: addChallenge({
        title: `Typed add ${randomUUID().slice(0, 8)}`,
        language: 'typescript',
        starterCode: 'export function add(a: number, b: number): number {\n}\n',
        solution: TS_SOLUTION,
      }),
    });
    expect(created).toMatchObject({ language: 'typescript', solution: TS_SOLUTION });
    expect(created.referenceTestMs).toEqual(expect.any(Number));
  });

  it('a TypeScript reference that disagrees with a test is refused at authoring, naming the test', async () => {
    const error = await expectTrpcError(
      api.as(admin).challenges.create({
        challenge: addChallenge({
          title: `Typed add, wrong ${randomUUID().slice(0, 8)}`,
          language: 'typescript',
          hiddenTests: [{ input: [2, 2], expectedOutput: 5 }],
          generator: undefined,
          solution: TS_SOLUTION,
        }),
      }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect((error.cause as DomainError).details?.problems).toEqual([
      expect.stringMatching(/^The reference solution fails hidden test 1: wrong answer/),
    ]);
  });

  it('a TypeScript reference that does not compile is refused at authoring with its line', async () => {
    const error = await expectTrpcError(
      api.as(admin).challenges.create({
        challenge: addChallenge({
          title: `Typed add, broken ${randomUUID().slice(0, 8)}`,
          language: 'typescript',
          solution: 'export function add(a: number, b: number): number {\n  return a +: b;\n}\n',
        }),
      }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    expect((error.cause as DomainError).details?.problems).toEqual([
      expect.stringMatching(/compile error \(SyntaxError: .*\(line 2\)\)/),
    ]);
  });

  it('changing a challenge’s language checks its reference solution again', async () => {
    const created = await api.as(admin).challenges.create({
      challenge: addChallenge({
        title: `Switch ${randomUUID().slice(0, 8)}`,
        solution: TS_SOLUTION,
        language: 'typescript',
      }),
    });
    // The same reference read as JavaScript does not compile.
    await expectTrpcError(
      api.as(admin).challenges.update({ id: created.id, patch: { language: 'javascript' } }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
  });
});

describe('hostile TypeScript', () => {
  it('code containing U+0000 is refused at the edge, whatever its language', async () => {
    const { challenge, caller } = await assigned();
    await expectTrpcError(
      caller.challenges.submit({
        challengeId: challenge.id,
        code: `${JS_ADD}\n// \u0000`,
        language: 'typescript',
      }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('a huge type-only file within the code limit is stripped quickly and the worker goes on judging', async () => {
    const { challenge, caller } = await assigned();
    let types = '';
    for (let i = 0; types.length < judgeConfig.codeMaxBytes - 2048; i++) {
      types += `interface Shape${i}<T extends { id: number }> { id: T; next?: Shape${i}<T>; tags: Array<Map<string, T[]>> }\n`;
      types += `type Union${i} = Shape${i}<{ id: number }> | { [key: string]: readonly number[] } | ((x: Shape${i}<{ id: 1 }>) => void);\n`;
    }
    const code = `${types}${TYPED_ADD}`;
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(judgeConfig.codeMaxBytes);
    const started = performance.now();
    const { verdict } = await caller.challenges.submit({
      challengeId: challenge.id,
      code,
      language: 'typescript',
    });
    expect(verdict.status).toBe('accepted');
    expect(performance.now() - started).toBeLessThan(judgeConfig.timeoutMs / 2);
    const next = await caller.challenges.submit({
      challengeId: challenge.id,
      code: JS_ADD,
      language: 'javascript',
    });
    expect(next.verdict.status).toBe('accepted');
  });

  it('types nested deeper than the parser can go are a compile_error, and the worker goes on judging', async () => {
    const { challenge, caller } = await assigned();
    const depth = Math.floor((judgeConfig.codeMaxBytes - 200) / 2);
    const code = `type Deep = ${'['.repeat(depth)}number${']'.repeat(depth)};\n${JS_ADD}`;
    const { verdict } = await caller.challenges.run({
      challengeId: challenge.id,
      code,
      language: 'typescript',
    });
    // The parser recurses several calls deep per level: 32 000 levels take more than the worker's stack.
    expect(verdict).toMatchObject({
      status: 'compile_error',
      message: expect.stringMatching(/nested too deeply/),
    });
    const next = await caller.challenges.run({
      challengeId: challenge.id,
      code: TYPED_ADD,
      language: 'typescript',
    });
    expect(next.verdict.status).toBe('accepted');
  });
});
