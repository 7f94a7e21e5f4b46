import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedForNewUser } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';
import { expectTrpcError } from './trpc-errors.ts';

/**
 * The legacy `admin/send-challenge` body of DESIGN §6.1, unchanged, imports and judges as the legacy
 * browser did: each test's input is the single argument, the generator's inFn yields one argument,
 * and its outFn sees the JSON text of the argument and of the output and fails only on `false`.
 */
const LEGACY_BODY = JSON.parse(
  readFileSync(new URL('./fixtures/legacy-string-reversal.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let api: TestApi;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
beforeAll(async () => {
  api = await createTestApi();
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

/** Creates and publishes a legacy body, and a user who may run and submit it. */
const published = (body: Record<string, unknown>) => publishedForNewUser(api, admin, body as never);

describe('the legacy send-challenge body', () => {
  it('imports unchanged, in the shape the legacy fields mean', async () => {
    const { created } = await published({
      ...LEGACY_BODY,
      slug: `string-reversal-${randomUUID().slice(0, 8)}`,
    });
    expect(created).toMatchObject({
      title: 'String Reversal',
      summary: LEGACY_BODY.selectorDescription,
      description: LEGACY_BODY.description,
      starterCode: LEGACY_BODY.content,
      difficulty: 'beginner',
      points: 10,
      tests: [
        { input: ['hello'], expectedOutput: 'olleh' },
        { input: ['12345'], expectedOutput: '54321' },
        { input: [''], expectedOutput: '' },
      ],
      generator: { style: 'legacy', cases: 100 },
    });
  });

  it('accepts a right solution and refuses wrong ones, on the fixed and the generated tests', async () => {
    const { created, caller } = await published({
      ...LEGACY_BODY,
      slug: `reversal-${randomUUID().slice(0, 8)}`,
    });
    const submit = (code: string) => caller.challenges.submit({ challengeId: created.id, code });
    const right = await submit('function reverseString(str) { return [...str].reverse().join(""); }');
    expect(right.verdict).toMatchObject({ status: 'accepted', passed: 3, total: 3, hidden: 'passed' });
    // Wrong on the fixed tests.
    const wrong = await submit('function reverseString(str) { return str; }');
    expect(wrong.verdict).toMatchObject({ status: 'wrong_answer', passed: 1, hidden: 'not_run' });
    // Right on the three short fixed tests, wrong on longer generated strings: only outFn can tell.
    const short = await submit(
      'function reverseString(str) { return str.length <= 5 ? [...str].reverse().join("") : str; }',
    );
    expect(short.verdict).toMatchObject({ status: 'wrong_answer', passed: 3, hidden: 'failed' });
  });

  it('takes points as a numeric string and a legacy outFn that completes with false only when wrong', async () => {
    const body = {
      ...LEGACY_BODY,
      slug: `doubling-${randomUUID().slice(0, 8)}`,
      title: 'Doubling',
      points: '15',
      functionName: 'double',
      content: 'function double(n) {\n}',
      testCases: [
        { input: 2, expectedOutput: 4 },
        { input: -3, expectedOutput: -6 },
      ],
      generator: {
        inFn: 'const out = Math.floor(Math.random() * 1000); out;',
        // Completes with undefined for a right answer (which is not false): the legacy judge passed it.
        outFn: 'if (JSON.parse(output) !== 2 * JSON.parse(input)) { false; }',
        cases: 20,
      },
    };
    const { created, caller } = await published(body);
    expect(created.points).toBe(15);
    const ok = await caller.challenges.submit({
      challengeId: created.id,
      code: 'const double = (n) => n * 2;',
    });
    expect(ok.verdict.status).toBe('accepted');
    const off = await caller.challenges.submit({
      challengeId: created.id,
      code: 'const double = (n) => (n > 100 ? n : n * 2);',
    });
    expect(off.verdict).toMatchObject({ status: 'wrong_answer', hidden: 'failed' });
  });

  it('refuses a legacy body whose fixed answers fail its own outFn, naming the test', async () => {
    const body = {
      ...LEGACY_BODY,
      slug: `broken-${randomUUID().slice(0, 8)}`,
      testCases: [...(LEGACY_BODY.testCases as unknown[]), { input: 'ab', expectedOutput: 'ab' }],
    };
    const error = await expectTrpcError(
      api.as(admin).challenges.create({ challenge: body as never }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    const problems = (error.cause as { details?: { problems?: string[] } }).details?.problems;
    expect(problems).toEqual([
      expect.stringContaining("visible test 4: the expected output fails the generator's outFn"),
    ]);
  });

  it('refuses points that are not a whole number, with the field named', async () => {
    await expectTrpcError(
      api.as(admin).challenges.create({ challenge: { ...LEGACY_BODY, points: 'ten' } as never }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});
