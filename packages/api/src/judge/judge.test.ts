import type { Generator, TestCase } from '@skillbytes/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import { createJudge, type JudgeSpec } from './index.ts';

const judge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 1000, workers: 1 });
afterAll(() => judge.close());

const add: JudgeSpec = {
  functionName: 'add',
  tests: [
    { input: [1, 2], expectedOutput: 3 },
    { input: [-4, 4], expectedOutput: 0 },
  ],
  hiddenTests: [{ input: [40, 2], expectedOutput: 42 }],
  generator: null,
};

const randomPairs: Generator = {
  inFn: 'const a = Math.floor(Math.random() * 1000); [a, Math.floor(Math.random() * 1000)]',
  outFn: 'return output === input[0] + input[1];',
  cases: 20,
};

const withGenerator: JudgeSpec = { ...add, generator: randomPairs };

async function verdictOf(code: string, mode: 'run' | 'submit' = 'submit', spec: JudgeSpec = add) {
  return (await judge.judge(spec, code, mode)).verdict;
}

async function appCodeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof DomainError ? error.appCode : undefined;
}

describe('verdicts', () => {
  it('accepts a correct function declaration and counts every test of the mode', async () => {
    expect(await verdictOf('function add(a, b) { return a + b; }', 'run')).toMatchObject({
      status: 'accepted',
      passed: 2,
      total: 2,
    });
    expect(await verdictOf('function add(a, b) { return a + b; }', 'submit')).toMatchObject({
      status: 'accepted',
      passed: 3,
      total: 3,
    });
  });

  it('resolves a const arrow function and a let binding, which are not globalThis properties', async () => {
    expect((await verdictOf('const add = (a, b) => a + b;')).status).toBe('accepted');
    expect((await verdictOf('let add; add = function (a, b) { return a + b; };')).status).toBe('accepted');
  });

  it('reports a wrong answer with input, expected and actual for a visible test, and keeps running', async () => {
    const verdict = await verdictOf('function add(a, b) { return a === 1 ? 4 : a + b; }');
    expect(verdict).toMatchObject({
      status: 'wrong_answer',
      passed: 2,
      total: 3,
      firstFailure: { index: 0, kind: 'visible', input: [1, 2], expected: 3, actual: 4 },
    });
  });

  it('reports a thrown error as runtime_error with its name and message', async () => {
    const verdict = await verdictOf('function add(a, b) { throw new TypeError("nope " + a); }');
    expect(verdict).toMatchObject({
      status: 'runtime_error',
      passed: 0,
      firstFailure: { index: 0, kind: 'visible', error: { name: 'TypeError', message: 'nope 1' } },
    });
  });

  it('reports a syntax error as compile_error with the line and no host stack', async () => {
    const verdict = await verdictOf('function add(a, b) {\n  return a +;\n}');
    expect(verdict.status).toBe('compile_error');
    expect(verdict.message).toMatch(/^SyntaxError: .+ \(line 2\)$/);
    expect(verdict.message).not.toMatch(/node_modules|\.ts|wasm/);
    expect(verdict.firstFailure).toBeUndefined();
  });

  it('tells a runtime SyntaxError apart from a compile error', async () => {
    const verdict = await verdictOf('function add(a, b) { return JSON.parse("{"); }');
    expect(verdict.status).toBe('runtime_error');
  });

  it('reports missing_function when the name is absent or not a function', async () => {
    expect(await verdictOf('function sum(a, b) { return a + b; }')).toMatchObject({
      status: 'missing_function',
      passed: 0,
      total: 3,
      message: 'Define a function named add',
    });
    expect((await verdictOf('const add = 42;')).status).toBe('missing_function');
  });

  it('reports an error thrown while loading as runtime_error with a message', async () => {
    const verdict = await verdictOf('function add(a, b) { return a + b; }\nnotDefined();');
    expect(verdict.status).toBe('runtime_error');
    expect(verdict.message).toMatch(/ReferenceError: .*notDefined.*\(line 2\)/);
  });

  it('stops at a time limit and counts only the tests passed before it', async () => {
    const verdict = await verdictOf('function add(a, b) { if (a === -4) for (;;) {} return a + b; }');
    expect(verdict).toMatchObject({
      status: 'time_limit_exceeded',
      passed: 1,
      total: 3,
      firstFailure: { index: 1, kind: 'visible', input: [-4, 4], limit: { timeMs: 1000 } },
    });
  });

  it('lets the first failing test decide the status even when a later test times out', async () => {
    const verdict = await verdictOf('function add(a, b) { if (a === 40) for (;;) {} return 0; }');
    expect(verdict).toMatchObject({
      status: 'wrong_answer',
      passed: 1,
      firstFailure: { index: 0, kind: 'visible' },
    });
  });
});

describe('values', () => {
  const echo = (tests: TestCase[]): JudgeSpec => ({
    functionName: 'f',
    tests,
    hiddenTests: [],
    generator: null,
  });

  it('compares objects structurally, ignoring key order', async () => {
    const spec = echo([{ input: [], expectedOutput: { a: 1, b: [1, { c: null }] } }]);
    expect((await verdictOf('const f = () => ({ b: [1, { c: null }], a: 1 });', 'run', spec)).status).toBe(
      'accepted',
    );
  });

  it('compares arrays in order', async () => {
    const spec = echo([{ input: [], expectedOutput: [1, 2] }]);
    expect((await verdictOf('const f = () => [2, 1];', 'run', spec)).status).toBe('wrong_answer');
  });

  it('reports a returned undefined honestly instead of as null', async () => {
    const spec = echo([{ input: [], expectedOutput: null }]);
    const verdict = await verdictOf('function f() {}', 'run', spec);
    expect(verdict).toMatchObject({
      status: 'wrong_answer',
      firstFailure: { actual: 'undefined', expected: null },
    });
  });

  it('shows NaN, Infinity and BigInt results as text', async () => {
    const spec = echo([{ input: [], expectedOutput: [0, 0, 0] }]);
    const verdict = await verdictOf('const f = () => [NaN, -Infinity, 10n];', 'run', spec);
    expect(verdict.firstFailure?.actual).toEqual(['NaN', '-Infinity', '10n']);
  });

  it('passes inputs as fresh JSON values the function may mutate', async () => {
    const spec = echo([
      { input: [[3, 1, 2]], expectedOutput: [1, 2, 3] },
      { input: [[3, 1, 2]], expectedOutput: [1, 2, 3] },
    ]);
    expect((await verdictOf('const f = (xs) => xs.sort();', 'run', spec)).status).toBe('accepted');
  });

  it('keeps keys that start with a NUL character intact', async () => {
    const spec = echo([{ input: [{ '\u0000': 'x' }], expectedOutput: { '\u0000': 'x', k: 1 } }]);
    expect((await verdictOf('const f = (o) => ({ ...o, k: 1 });', 'run', spec)).status).toBe('accepted');
  });

  it('rejects a cyclic return value as a runtime error', async () => {
    const spec = echo([{ input: [], expectedOutput: {} }]);
    const verdict = await verdictOf('function f() { const o = {}; o.o = o; return o; }', 'run', spec);
    expect(verdict.status).toBe('runtime_error');
  });
});

describe('async solutions', () => {
  it('accepts an async function and awaits its promise', async () => {
    expect((await verdictOf('async function add(a, b) { await null; return a + b; }')).status).toBe(
      'accepted',
    );
  });

  it('reports a rejected promise as runtime_error', async () => {
    const verdict = await verdictOf('async function add() { await 0; throw new RangeError("late"); }');
    expect(verdict).toMatchObject({
      status: 'runtime_error',
      firstFailure: { error: { name: 'RangeError', message: 'late' } },
    });
  });

  it('reports a promise that never settles as runtime_error', async () => {
    const verdict = await verdictOf('function add() { return new Promise(() => {}); }');
    expect(verdict.status).toBe('runtime_error');
    expect(verdict.firstFailure?.error?.message).toMatch(/never settled/);
  });

  it('stops an infinite loop that starts after an await', async () => {
    const verdict = await verdictOf('async function add() { await 0; for (;;) {} }');
    expect(verdict.status).toBe('time_limit_exceeded');
  });
});

describe('console', () => {
  it('returns console output in run mode only', async () => {
    const code = 'function add(a, b) { console.log("adding", a, { b }); return a + b; }';
    expect((await verdictOf(code, 'run')).logs).toBe('adding 1 {"b":2}\nadding -4 {"b":4}\n');
    expect((await verdictOf(code, 'submit')).logs).toBeUndefined();
  });
});

describe('hidden and generated tests', () => {
  it('shows only index and kind for a failing hidden test', async () => {
    const verdict = await verdictOf('function add(a, b) { return a === 40 ? "secret " + a : a + b; }');
    expect(verdict).toEqual({
      status: 'wrong_answer',
      passed: 2,
      total: 3,
      durationMs: expect.any(Number),
      firstFailure: { index: 0, kind: 'hidden' },
    });
  });

  it('never shows the error message of a hidden test, which could carry its input', async () => {
    const verdict = await verdictOf(
      'function add(a, b) { if (a === 40) throw new Error("input " + a); return a + b; }',
    );
    expect(verdict.status).toBe('runtime_error');
    expect(verdict.firstFailure).toEqual({ index: 0, kind: 'hidden' });
    expect(JSON.stringify(verdict)).not.toContain('40');
  });

  it('shows only index, kind and seed for a failing generated test', async () => {
    const result = await judge.judge(
      withGenerator,
      'function add(a, b) { return a > 500 ? a : a + b; }',
      'submit',
      {
        seed: 7,
      },
    );
    expect(result.seed).toBe(7);
    expect(result.verdict.status).toBe('wrong_answer');
    expect(result.verdict.total).toBe(23);
    expect(result.verdict.firstFailure).toEqual({ index: expect.any(Number), kind: 'generated', seed: 7 });
  });

  it('replays the same generated inputs for the same seed', async () => {
    const code = 'function add(a, b) { return a % 7 === 3 ? 0 : a + b; }';
    const first = await judge.judge(withGenerator, code, 'submit');
    expect(first.seed).toEqual(expect.any(Number));
    const again = await judge.judge(withGenerator, code, 'submit', { seed: first.seed ?? undefined });
    expect(again.verdict.passed).toBe(first.verdict.passed);
    expect(again.verdict.firstFailure).toEqual(first.verdict.firstFailure);
    const seeds = await Promise.all(
      [1, 2, 3, 4].map(
        async (seed) => (await judge.judge(withGenerator, code, 'submit', { seed })).verdict.passed,
      ),
    );
    expect(new Set([...seeds, first.verdict.passed]).size).toBeGreaterThan(1);
  });

  it('accepts a correct solution on generated tests and runs no generator in run mode', async () => {
    const submitted = await judge.judge(withGenerator, 'const add = (a, b) => a + b;', 'submit');
    expect(submitted.verdict).toMatchObject({ status: 'accepted', passed: 23, total: 23 });
    const ran = await judge.judge(withGenerator, 'const add = (a, b) => a + b;', 'run');
    expect(ran).toMatchObject({ seed: null, verdict: { total: 2 } });
  });

  it('keeps the generator out of reach of the solution', async () => {
    const code = 'Math.random = () => 0; function add(a, b) { return a + b; }';
    const verdict = (await judge.judge(withGenerator, code, 'submit', { seed: 3 })).verdict;
    expect(verdict.status).toBe('accepted');
  });
});

describe('limits', () => {
  it('refuses code over the size limit, counted in UTF-8 bytes', async () => {
    const limit = defaultApiConfig().judge.codeMaxBytes;
    const code = `// ${'é'.repeat(limit / 2)}\nfunction add(a, b) { return a + b; }`;
    expect(code.length).toBeLessThan(limit + 100);
    expect(await appCodeOf(judge.judge(add, code, 'run'))).toBe('CODE_TOO_LARGE');
  });

  it('refuses a challenge with more tests than the judge runs', async () => {
    const many = Array.from({ length: 150 }, () => ({ input: [1, 1], expectedOutput: 2 }));
    const spec: JudgeSpec = { ...add, tests: many, hiddenTests: many };
    expect(await appCodeOf(judge.judge(spec, 'const add = (a, b) => a + b;', 'submit'))).toBe(
      'CHALLENGE_INVALID',
    );
  });
});

describe('checkChallenge', () => {
  const solution = 'function add(a, b) { return a + b; }';

  it('accepts a challenge whose tests, generator and reference solution agree', async () => {
    expect(await judge.checkChallenge({ ...withGenerator, solution })).toEqual({ ok: true });
    expect(await judge.checkChallenge({ ...add, solution: null })).toEqual({ ok: true });
  });

  it("refuses an expected output that fails the generator's checker", async () => {
    const spec = {
      ...withGenerator,
      tests: [add.tests[0] as TestCase, { input: [2, 2], expectedOutput: 5 }],
    };
    const check = await judge.checkChallenge({ ...spec, solution: null });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problems).toEqual([expect.stringContaining('visible test 2')]);
  });

  it('refuses a reference solution that is wrong, naming the test', async () => {
    const check = await judge.checkChallenge({
      ...add,
      solution: 'const add = (a, b) => (a === 40 ? 0 : a + b);',
    });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problems).toEqual([
      expect.stringMatching(/hidden test 1: wrong answer.*expected 42/),
    ]);
  });

  it('refuses a reference solution that fails generated cases', async () => {
    const check = await judge.checkChallenge({ ...withGenerator, solution: 'const add = (a, b) => a;' });
    expect(!check.ok && check.problems[0]).toMatch(/^The reference solution fails visible test 1/);
    const generatedOnly = await judge.checkChallenge({
      ...withGenerator,
      solution: 'const add = (a, b) => (a + b > 100 ? 0 : a + b);',
    });
    expect(!generatedOnly.ok && generatedOnly.problems[0]).toMatch(/generated case \d+ \(seed 1\)/);
  });

  it('refuses a generator whose inFn throws or outFn does not compile', async () => {
    const broken = await judge.checkChallenge({
      ...add,
      generator: { inFn: 'throw new Error("boom")', outFn: 'return true', cases: 3 },
      solution: null,
    });
    expect(!broken.ok && broken.problems).toEqual([
      expect.stringMatching(/generated case 1 .*inFn failed: Error: boom/),
    ]);
    const uncompilable = await judge.checkChallenge({
      ...add,
      generator: { ...randomPairs, outFn: 'return (' },
      solution: null,
    });
    expect(!uncompilable.ok && uncompilable.problems[0]).toMatch(/outFn does not compile: SyntaxError/);
  });
});
