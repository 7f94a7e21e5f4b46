import type { Generator, TestCase } from '@skillbytes/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import { createJudge, type JudgeSpec } from './index.ts';

// Roomy limits: on a busy machine a correct solution must never meet them. Verdicts that depend on a
// limit come from code that never ends (an infinite loop is TLE whatever the load).
const judge = createJudge({
  ...defaultApiConfig().judge,
  timeoutMs: 20_000,
  testTimeoutMs: 2000,
  workers: 1,
});
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
  it('accepts a correct function declaration, counting visible tests and hidden ones as one', async () => {
    expect(await verdictOf('function add(a, b) { return a + b; }', 'run')).toEqual({
      status: 'accepted',
      passed: 2,
      total: 2,
      durationMs: expect.any(Number),
    });
    expect(await verdictOf('function add(a, b) { return a + b; }', 'submit')).toEqual({
      status: 'accepted',
      passed: 2,
      total: 2,
      hidden: 'passed',
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
      passed: 1,
      total: 2,
      // A visible failure settles the verdict: the hidden tests are not run, so they tell nothing.
      hidden: 'not_run',
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
      total: 2,
      message: 'Define a function named add',
    });
    expect((await verdictOf('const add = 42;')).status).toBe('missing_function');
  });

  it('reports an error thrown while loading as runtime_error with a message', async () => {
    const verdict = await verdictOf('function add(a, b) { return a + b; }\nnotDefined();');
    expect(verdict.status).toBe('runtime_error');
    expect(verdict.message).toMatch(/ReferenceError: .*notDefined.*\(line 2\)/);
  });

  it("stops at a test's own time limit and counts only the tests passed before it", async () => {
    const verdict = await verdictOf('function add(a, b) { if (a === -4) for (;;) {} return a + b; }');
    expect(verdict).toMatchObject({
      status: 'time_limit_exceeded',
      passed: 1,
      total: 2,
      firstFailure: {
        index: 1,
        kind: 'visible',
        input: [-4, 4],
        limit: { timeMs: 2000, scope: 'test' },
      },
    });
  });

  it('ends a spin loop at the per-test limit, long before the submission budget', async () => {
    const tight = createJudge({ ...defaultApiConfig().judge, timeoutMs: 60_000, testTimeoutMs: 300 });
    try {
      const started = performance.now();
      const { verdict } = await tight.judge(add, 'function add() { for (;;) {} }', 'submit');
      expect(verdict.status).toBe('time_limit_exceeded');
      expect(verdict.firstFailure?.limit).toEqual({ timeMs: 300, scope: 'test' });
      // 60 s is the budget: anything far below it means the test's own limit ended the run.
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      await tight.close();
    }
  });

  it('reports `throw null` as a runtime error, not as running out of memory', async () => {
    const verdict = await verdictOf('function add() { throw null; }', 'run');
    expect(verdict).toMatchObject({
      status: 'runtime_error',
      firstFailure: { kind: 'visible', error: { name: 'Thrown value', message: 'null' } },
    });
    const loading = await verdictOf('throw null;', 'run');
    expect(loading).toMatchObject({ status: 'runtime_error', message: expect.stringContaining('null') });
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

describe('expected errors', () => {
  const divide: JudgeSpec = {
    functionName: 'divide',
    tests: [
      { input: [6, 3], expectedOutput: 2 },
      { input: [1, 0], expectedError: { name: 'RangeError', message: 'division by zero' } },
    ],
    hiddenTests: [
      { input: [9, 3], expectedOutput: 3 },
      { input: [5, 0], expectedError: { messagePattern: '^division by' } },
      { input: ['x', 1], expectedError: { name: 'TypeError' } },
    ],
    generator: null,
  };
  const reference = `function divide(a, b) {
    if (typeof a !== 'number') throw new TypeError('not a number');
    if (b === 0) throw new RangeError('division by zero');
    return a / b;
  }`;

  it('accepts a solution that throws what each test expects', async () => {
    expect((await verdictOf(reference, 'submit', divide)).status).toBe('accepted');
  });

  it('refuses one that returns instead of throwing, or throws something else, showing both sides', async () => {
    const returns = await verdictOf('const divide = (a, b) => a / b;', 'run', divide);
    expect(returns).toMatchObject({
      status: 'wrong_answer',
      firstFailure: {
        index: 1,
        expected: { throws: { name: 'RangeError', message: 'division by zero' } },
        actual: { $number: 'Infinity' },
      },
    });
    const other = await verdictOf(
      'function divide(a, b) { if (b === 0) throw new Error("nope"); return a / b; }',
      'run',
      divide,
    );
    expect(other).toMatchObject({
      status: 'wrong_answer',
      firstFailure: { index: 1, actual: { throws: { name: 'Error', message: 'nope' } } },
    });
    // A hidden test expecting a TypeError: the throw is checked there too, and says nothing.
    const noTypeCheck = await verdictOf(
      'function divide(a, b) { if (b === 0) throw new RangeError("division by zero"); return a / b; }',
      'submit',
      divide,
    );
    expect(noTypeCheck).toMatchObject({
      status: 'wrong_answer',
      hidden: 'failed',
      firstFailure: { kind: 'hidden' },
    });
  });

  it('refuses at authoring a reference solution that does not throw where a test expects it', async () => {
    const check = await judge.checkChallenge({ ...divide, solution: 'const divide = (a, b) => a / b;' });
    expect(!check.ok && check.problems[0]).toMatch(
      /^The reference solution fails visible test 2: wrong answer/,
    );
    expect(await judge.checkChallenge({ ...divide, solution: reference })).toMatchObject({ ok: true });
  });
});

describe('comparisons beyond deep equality', () => {
  const one = (test: TestCase, hidden: TestCase[] = []): JudgeSpec => ({
    functionName: 'f',
    tests: [test],
    hiddenTests: hidden,
    generator: null,
  });

  it('unordered: the same elements in any order, each as often', async () => {
    const spec = one({
      input: [],
      expectedOutput: [[1, 2], { a: 1, b: 2 }, 3, 3],
      compare: { mode: 'unordered' },
    });
    expect((await verdictOf('const f = () => [3, { b: 2, a: 1 }, 3, [1, 2]];', 'run', spec)).status).toBe(
      'accepted',
    );
    expect(
      (await verdictOf('const f = () => [3, { b: 2, a: 1 }, [1, 2], [1, 2]];', 'run', spec)).status,
    ).toBe('wrong_answer');
    expect((await verdictOf('const f = () => [3, 3, [2, 1], { a: 1, b: 2 }];', 'run', spec)).status).toBe(
      'wrong_answer',
    );
  });

  it('approx: numbers within the tolerance, also inside arrays and objects', async () => {
    const spec = one({
      input: [],
      expectedOutput: { mean: 0.3, parts: [1 / 3, 2] },
      compare: { mode: 'approx', abs: 1e-6 },
    });
    expect(
      (await verdictOf('const f = () => ({ mean: 0.1 + 0.2, parts: [0.3333334, 2] });', 'run', spec)).status,
    ).toBe('accepted');
    expect(
      (await verdictOf('const f = () => ({ mean: 0.31, parts: [1 / 3, 2] });', 'run', spec)).status,
    ).toBe('wrong_answer');
  });

  it("checker: any output the test's checker accepts", async () => {
    const divisor = {
      input: [12],
      expectedOutput: 3,
      compare: {
        mode: 'checker' as const,
        checker: 'return output > 1 && output < input[0] && input[0] % output === 0;',
      },
    };
    const spec = one(divisor, [{ ...divisor, input: [35], expectedOutput: 5 }]);
    expect(
      (
        await verdictOf(
          'const f = (n) => { for (let d = n - 1; d > 1; d--) if (n % d === 0) return d; };',
          'submit',
          spec,
        )
      ).status,
    ).toBe('accepted');
    const wrong = await verdictOf('const f = (n) => 1;', 'run', spec);
    expect(wrong).toMatchObject({
      status: 'wrong_answer',
      firstFailure: { actual: 1, error: { name: 'CheckFailed', message: 'the checker returned false' } },
    });
  });

  it('refuses at authoring a checker that rejects its own expected output, or does not compile', async () => {
    const bad = await judge.checkChallenge({
      ...one(
        {
          input: [2],
          expectedOutput: 4,
          compare: { mode: 'checker', checker: 'return output === input[0];' },
        },
        [{ input: [3], expectedOutput: 9 }],
      ),
      solution: null,
    });
    expect(!bad.ok && bad.problems).toEqual([
      expect.stringMatching(/visible test 1: its checker does not accept/),
    ]);
    const broken = await judge.checkChallenge({
      ...one({ input: [2], expectedOutput: 4, compare: { mode: 'checker', checker: 'return (' } }, [
        { input: [3], expectedOutput: 9 },
      ]),
      solution: null,
    });
    expect(!broken.ok && broken.problems[0]).toMatch(
      /its checker does not accept its own expected output \(SyntaxError/,
    );
  });
});

describe('module syntax', () => {
  it.each([
    ['export function', 'export function add(a, b) { return a + b; }'],
    ['export const', 'export const add = (a, b) => a + b;'],
    ['export default function', 'export default function (a, b) { return a + b; }'],
    ['export default of a name', 'const add = (a, b) => a + b;\nexport default add;'],
    [
      'export class next to the function',
      'export class Pair {}\nexport function add(a, b) { return a + b; }',
    ],
    ['export { list }', 'function add(a, b) { return a + b; }\nexport { add };'],
  ])('judges code pasted from a module (%s)', async (_name, code) => {
    expect((await verdictOf(code, 'submit')).status).toBe('accepted');
  });

  it('says to export the function when a module does not', async () => {
    const verdict = await verdictOf('function add(a, b) { return a + b; }\nexport const other = 1;');
    expect(verdict).toMatchObject({
      status: 'missing_function',
      message: 'Export a function named add (or make it the default export)',
    });
  });

  it('reports a syntax error in a module as compile_error with its line', async () => {
    const verdict = await verdictOf('export function add(a, b) {\n  return a +;\n}');
    expect(verdict.status).toBe('compile_error');
    expect(verdict.message).toMatch(/SyntaxError: .+ \(line 2\)/);
  });

  it('cannot import anything', async () => {
    const verdict = await verdictOf("import fs from 'fs';\nexport function add() { return fs; }");
    expect(['runtime_error', 'compile_error']).toContain(verdict.status);
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
      firstFailure: { actual: { $undefined: true }, expected: null },
    });
  });

  it('shows NaN, Infinity and BigInt results in the author form, ready to paste into a test', async () => {
    const spec = echo([{ input: [], expectedOutput: [0, 0, 0] }]);
    const verdict = await verdictOf('const f = () => [NaN, -Infinity, 10n];', 'run', spec);
    expect(verdict.firstFailure?.actual).toEqual([
      { $number: 'NaN' },
      { $number: '-Infinity' },
      { $bigint: '10' },
    ]);
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
    expect((await verdictOf(code, 'run')).logs).toBe('adding 1 { b: 2 }\nadding -4 { b: 4 }\n');
    expect((await verdictOf(code, 'submit')).logs).toBeUndefined();
  });
});

describe('what modern JavaScript users reach for', () => {
  const echo = (expectedOutput: unknown): JudgeSpec => ({
    functionName: 'f',
    tests: [{ input: [], expectedOutput: expectedOutput as never }],
    hiddenTests: [],
    generator: null,
  });

  it('formats console output as Node does', async () => {
    const code = `function f() {
      console.log({ a: 1, s: 'x', list: [1, 'two', null, undefined], deep: { a: { b: { c: { d: 1 } } } } });
      console.log(new Map([['k', 1]]), new Set([1, 2]), 10n, -0, () => 1, function named() {});
      console.log('%s has %d items, %j', 'cart', 3, { ok: true });
      class Point { constructor() { this.x = 1; } }
      console.log(new Point(), [], {});
      return 1;
    }`;
    const verdict = await verdictOf(code, 'run', echo(1));
    expect(verdict.logs?.split('\n')).toEqual([
      "{ a: 1, s: 'x', list: [ 1, 'two', null, undefined ], deep: { a: { b: [Object] } } }",
      "Map(1) { 'k' => 1 } Set(2) { 1, 2 } 10n -0 [Function (anonymous)] [Function: named]",
      'cart has 3 items, {"ok":true}',
      'Point { x: 1 } [] {}',
      '',
    ]);
  });

  it('provides structuredClone, TextEncoder/TextDecoder, atob/btoa and queueMicrotask', async () => {
    const code = `async function f() {
      const original = { when: new Date(0), tags: new Set(['a']), byKey: new Map([[1, [2]]]) };
      original.self = original;
      const copy = structuredClone(original);
      const cloned = copy !== original && copy.self === copy && copy.when.getTime() === 0
        && copy.tags.has('a') && copy.byKey.get(1)[0] === 2 && copy.byKey.get(1) !== original.byKey.get(1);
      let uncloneable = false;
      try { structuredClone(() => 1); } catch (e) { uncloneable = e.name === 'DataCloneError'; }
      const bytes = new TextEncoder().encode('héllo 📢');
      const text = new TextDecoder().decode(bytes);
      const order = [];
      queueMicrotask(() => order.push('micro'));
      order.push('sync');
      await null;
      return [cloned, uncloneable, bytes.length, text, btoa('hi!'), atob('aGkh'), order];
    }`;
    const verdict = await verdictOf(
      code,
      'run',
      echo([true, true, 11, 'héllo 📢', 'aGkh', 'hi!', ['sync', 'micro']]),
    );
    expect(verdict).toMatchObject({ status: 'accepted' });
  });

  it('says in the verdict when code needs Intl or locale-aware localeCompare, which QuickJS lacks', async () => {
    const intl = await verdictOf(
      'function f() { return new Intl.NumberFormat("de").format(1); }',
      'run',
      echo('1'),
    );
    expect(intl.status).toBe('runtime_error');
    expect(intl.message).toMatch(/has no Intl/);
    const locale = await verdictOf(
      "function f() { return ['b', 'a'].sort((x, y) => x.localeCompare(y, 'sv')); }",
      'run',
      echo(['a', 'b', 'c']),
    );
    expect(locale.status).toBe('wrong_answer');
    expect(locale.message).toMatch(/localeCompare ignores locales and options/);
  });
});

describe('hidden and generated tests', () => {
  it('says only that a hidden test failed and how: no index, no count, no timing', async () => {
    const verdict = await verdictOf('function add(a, b) { return a === 40 ? "secret " + a : a + b; }');
    expect(verdict).toEqual({
      status: 'wrong_answer',
      passed: 2,
      total: 2,
      hidden: 'failed',
      firstFailure: { kind: 'hidden' },
    });
  });

  it('gives code that spins for `input` ms on a hidden test no timing to read the input from', async () => {
    const spin =
      'function add(a, b) { if (a === 40) { const end = Date.now() + 97; while (Date.now() < end) {} } return a + b + (a === 40 ? 1 : 0); }';
    const result = await judge.judge(add, spin, 'submit');
    expect(result.verdict).toEqual({
      status: 'wrong_answer',
      passed: 2,
      total: 2,
      hidden: 'failed',
      firstFailure: { kind: 'hidden' },
    });
    expect(JSON.stringify(result.verdict)).not.toMatch(/9[0-9]/);
    // The time is still measured, for the record (never sent to the user on a submit); Date.now()
    // inside the sandbox ticks in whole ms, so allow for rounding.
    expect(result.durationMs).toBeGreaterThanOrEqual(90);
  });

  it('reports a hidden time limit as such, without saying which test', async () => {
    const verdict = await verdictOf('function add(a, b) { if (a === 40) for (;;) {} return a + b; }');
    expect(verdict).toEqual({
      status: 'time_limit_exceeded',
      passed: 2,
      total: 2,
      hidden: 'failed',
      // Not even which limit: per test or per submission would be one more outcome code could choose.
      firstFailure: { kind: 'hidden' },
    });
  });

  it('never shows the error message of a hidden test, which could carry its input', async () => {
    const verdict = await verdictOf(
      'function add(a, b) { if (a === 40) throw new Error("input " + a); return a + b; }',
    );
    expect(verdict.status).toBe('runtime_error');
    expect(verdict.firstFailure).toEqual({ kind: 'hidden' });
    expect(JSON.stringify(verdict)).not.toContain('40');
  });

  it('reports a failing generated test as a hidden failure, with no index or seed', async () => {
    const result = await judge.judge(
      withGenerator,
      'function add(a, b) { return a > 500 ? a : a + b; }',
      'submit',
      {
        seed: 7,
      },
    );
    expect(result.seed).toBe(7);
    expect(result.verdict).toEqual({
      status: 'wrong_answer',
      passed: 2,
      total: 2,
      hidden: 'failed',
      firstFailure: { kind: 'hidden' },
    });
  });

  it('replays the same generated inputs for the same seed', async () => {
    // Wrong on one input in 41: some seeds' 20 cases avoid it, others do not (fixed seeds: deterministic).
    const code = 'function add(a, b) { return a % 41 === 3 ? 0 : a + b; }';
    const outcomes = async (seed: number) =>
      (await judge.judge(withGenerator, code, 'submit', { seed })).verdict.hidden;
    const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
    const first = await Promise.all(seeds.map(outcomes));
    expect(await Promise.all(seeds.map(outcomes))).toEqual(first);
    expect(new Set(first).size).toBe(2);
    const drawn = await judge.judge(withGenerator, code, 'submit');
    expect(drawn.seed).toEqual(expect.any(Number));
  });

  it('accepts a correct solution on generated tests and runs no generator in run mode', async () => {
    const submitted = await judge.judge(withGenerator, 'const add = (a, b) => a + b;', 'submit');
    expect(submitted.verdict).toMatchObject({ status: 'accepted', passed: 2, total: 2, hidden: 'passed' });
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
    expect(await judge.checkChallenge({ ...withGenerator, solution })).toMatchObject({ ok: true });
    expect(await judge.checkChallenge({ ...add, solution: null })).toMatchObject({ ok: true });
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

  it("derives each challenge's per-test limit from its reference solution, and judges by it", async () => {
    const slowJudge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 20_000, testTimeoutMs: 1000 });
    try {
      const spin = (ms: number) =>
        `function add(a, b) { const end = Date.now() + ${ms}; while (Date.now() < end) {} return a + b; }`;
      const check = await slowJudge.checkChallenge({ ...add, solution: spin(1200) });
      expect(check.ok).toBe(true);
      if (!check.ok) return;
      // Five times the reference's slowest test (at least 1.2 s of busy waiting), within the budget.
      expect(check.referenceSlowestTestMs).toBeGreaterThanOrEqual(1200);
      expect(check.testTimeLimitMs).toBeGreaterThanOrEqual(6000);
      expect(check.testTimeLimitMs).toBeLessThanOrEqual(20_000);
      const spec = { ...add, testTimeoutMs: check.testTimeLimitMs };
      // The intended (slow) algorithm passes under the challenge's limit; the default would have cut it.
      expect((await slowJudge.judge(spec, spin(1200), 'run')).verdict.status).toBe('accepted');
      const tle = (await slowJudge.judge(add, spin(1200), 'run')).verdict;
      expect(tle).toMatchObject({
        status: 'time_limit_exceeded',
        firstFailure: { limit: { timeMs: 1000, scope: 'test' } },
      });
      const own = (await slowJudge.judge(spec, 'function add() { for (;;) {} }', 'run')).verdict;
      expect(own.firstFailure?.limit).toEqual({ timeMs: check.testTimeLimitMs, scope: 'test' });
    } finally {
      await slowJudge.close();
    }
  }, 120_000);

  it('refuses a reference solution so slow that a user would get no margin within the budget', async () => {
    const tight = createJudge({ ...defaultApiConfig().judge, timeoutMs: 2500, testTimeoutMs: 1000 });
    try {
      const slow =
        'function add(a, b) { const end = Date.now() + 600; while (Date.now() < end) {} return a + b; }';
      const check = await tight.checkChallenge({
        ...add,
        tests: [add.tests[0]!],
        hiddenTests: add.hiddenTests,
        solution: slow,
      });
      expect(!check.ok && check.problems[0]).toMatch(
        /needs \d+ ms on its slowest test.*make the tests smaller/,
      );
    } finally {
      await tight.close();
    }
  }, 60_000);

  describe('refuses a challenge that a memorising solution would pass', () => {
    const memorised = /memorises the visible tests' answers and returns (.+) for anything else/;

    it('with no hidden tests and no generator', async () => {
      const check = await judge.checkChallenge({ ...add, hiddenTests: [], solution });
      expect(!check.ok && check.problems).toEqual([expect.stringMatching(memorised)]);
    });

    it('when every hidden answer is the same constant', async () => {
      const isEven: JudgeSpec = {
        functionName: 'isEven',
        tests: [
          { input: [2], expectedOutput: true },
          { input: [3], expectedOutput: false },
        ],
        hiddenTests: [
          { input: [7], expectedOutput: false },
          { input: [9], expectedOutput: false },
        ],
        generator: null,
      };
      const check = await judge.checkChallenge({ ...isEven, solution: 'const isEven = (n) => n % 2 === 0;' });
      expect(!check.ok && check.problems[0]).toMatch(/returns false for anything else/);
      const fixed = {
        ...isEven,
        hiddenTests: [...isEven.hiddenTests, { input: [10], expectedOutput: true }],
      };
      expect(await judge.checkChallenge({ ...fixed, solution: null })).toMatchObject({ ok: true });
    });

    it('when the hidden tests only repeat visible inputs', async () => {
      const check = await judge.checkChallenge({ ...add, hiddenTests: [add.tests[0]!], solution });
      expect(!check.ok && check.problems[0]).toMatch(memorised);
    });

    it("when the generator's checker accepts a constant", async () => {
      const weak = { ...randomPairs, outFn: "return typeof output === 'number';" };
      const check = await judge.checkChallenge({ ...add, hiddenTests: [], generator: weak, solution });
      expect(!check.ok && check.problems[0]).toMatch(memorised);
      const strong = await judge.checkChallenge({
        ...add,
        hiddenTests: [],
        generator: randomPairs,
        solution,
      });
      expect(strong).toMatchObject({ ok: true });
    });

    it('when the hidden tests share one answer no usual guess would make', async () => {
      const spec: JudgeSpec = {
        functionName: 'f',
        tests: [
          { input: [1], expectedOutput: 1 },
          { input: [2], expectedOutput: 2 },
        ],
        hiddenTests: [5, 6, 7].map((n) => ({ input: [n], expectedOutput: 42 })),
        generator: null,
      };
      const check = await judge.checkChallenge({ ...spec, solution: null });
      expect(!check.ok && check.problems[0]).toMatch(/returns 42 for anything else/);
    });

    it('when every hidden answer is the first argument', async () => {
      const spec: JudgeSpec = {
        functionName: 'same',
        tests: [{ input: [1], expectedOutput: 1 }],
        hiddenTests: [
          { input: [7], expectedOutput: 7 },
          { input: [[1, 2]], expectedOutput: [1, 2] },
        ],
        generator: null,
      };
      const check = await judge.checkChallenge({ ...spec, solution: null });
      expect(!check.ok && check.problems[0]).toMatch(/returns its first argument for anything else/);
    });

    it.each(['JSON', 'Map', 'globalThis'])('even when the function is named %s', async (name) => {
      const spec: JudgeSpec = {
        functionName: name,
        tests: [{ input: [1], expectedOutput: 1 }],
        hiddenTests: [],
        generator: null,
      };
      const check = await judge.checkChallenge({ ...spec, solution: null });
      expect(!check.ok && check.problems[0]).toMatch(memorised);
    });

    it('even when the function is named like a global the adversary uses', async () => {
      const spec: JudgeSpec = {
        functionName: 'JSON',
        tests: [{ input: [1], expectedOutput: 1 }],
        hiddenTests: [],
        generator: null,
      };
      const check = await judge.checkChallenge({ ...spec, solution: 'const JSON = (x) => x;' });
      expect(!check.ok && check.problems[0]).toMatch(memorised);
    });
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
