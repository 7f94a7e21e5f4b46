import { Verdict } from '@skillbytes/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../config.ts';
import { createJudge, type JudgeSpec } from './index.ts';

/** Adversarial solutions: each must end in the named status and leave the pool able to judge again. */
// Each verdict here is decided by what the code does, never by how fast the machine is: the limits are
// far above what a correct solution needs, and the code that must meet them never ends.
const judge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 4000, testTimeoutMs: 1000, workers: 1 });
// Filling memory takes QuickJS about a second of string building (more on a busy machine): allow plenty.
const roomy = createJudge({
  ...defaultApiConfig().judge,
  timeoutMs: 60_000,
  testTimeoutMs: 60_000,
  memoryMb: 32,
  workers: 1,
});
afterAll(() => Promise.all([judge.close(), roomy.close()]));

const solve = (expectedOutput: unknown = 1): JudgeSpec => ({
  functionName: 'solve',
  tests: [{ input: [], expectedOutput: expectedOutput as never }],
  hiddenTests: [],
  generator: null,
});

async function verdictOf(code: string, spec: JudgeSpec = solve(), mode: 'run' | 'submit' = 'run') {
  return (await judge.judge(spec, code, mode)).verdict;
}

async function stillJudges(): Promise<void> {
  expect((await verdictOf('const solve = () => 1;')).status).toBe('accepted');
}

describe('time', () => {
  it('stops an infinite loop, even inside try/catch', async () => {
    const verdict = await verdictOf('function solve() { try { for (;;) {} } catch { return 1; } }');
    expect(verdict).toMatchObject({
      status: 'time_limit_exceeded',
      passed: 0,
      firstFailure: { limit: { timeMs: 1000 } },
    });
    await stillJudges();
  });

  it('stops a builtin that never polls the interrupt handler by killing the worker', async () => {
    const started = performance.now();
    const verdict = await verdictOf("function solve() { return new Array(1e9) + ''; }");
    const elapsed = performance.now() - started;
    expect(verdict).toMatchObject({
      status: 'time_limit_exceeded',
      passed: 0,
      firstFailure: { index: 0, kind: 'visible' },
    });
    // Killed for outliving its test's limit (1 s), not the submission's (4 s).
    expect(verdict.firstFailure?.limit).toEqual({ timeMs: 1000, scope: 'test' });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(15_000);
    await stillJudges();
  });

  it('stops an infinite loop while the solution is loading', async () => {
    const verdict = await verdictOf('for (;;) {}');
    expect(verdict.status).toBe('time_limit_exceeded');
    expect(verdict.message).toMatch(/did not finish loading within 4000 ms/);
  });
});

describe('memory', () => {
  it('ends a memory bomb as memory_limit_exceeded without harming the process', async () => {
    const rssBefore = process.memoryUsage().rss;
    const code = "function solve() { const a = []; for (;;) a.push('x'.repeat(1 << 20)); }";
    const { verdict } = await roomy.judge(solve(), code, 'run');
    expect(verdict).toMatchObject({
      status: 'memory_limit_exceeded',
      firstFailure: { limit: { memoryMb: 32 } },
    });
    // The WebAssembly memory has a fixed maximum, so the host never grows past a few hundred MB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    expect((await roomy.judge(solve(), 'const solve = () => 1;', 'run')).verdict.status).toBe('accepted');
  });

  it('ends an object-allocating bomb the solution tries to catch', async () => {
    const code =
      'function solve() { const a = []; try { for (;;) a.push({ a: [1, 2, 3] }); } catch (e) { throw e; } }';
    const { verdict } = await roomy.judge(solve(), code, 'run');
    expect(verdict.status).toBe('memory_limit_exceeded');
    expect((await roomy.judge(solve(), 'const solve = () => 1;', 'run')).verdict.status).toBe('accepted');
  });
});

describe('throw null', () => {
  it('is a runtime error that leaves the module in place, and a memory bomb after it is still MLE', async () => {
    const thrown = await roomy.judge(solve(), 'function solve() { throw null; }', 'run');
    expect(thrown.verdict).toMatchObject({
      status: 'runtime_error',
      firstFailure: { error: { message: 'null' } },
    });
    // QuickJS's own null, thrown when memory is too full for an error object, is still out of memory.
    const code = 'function solve() { const a = []; for (;;) a.push({ a: [1, 2, 3] }); }';
    expect((await roomy.judge(solve(), code, 'run')).verdict.status).toBe('memory_limit_exceeded');
    const again = await roomy.judge(solve(), 'function solve() { throw null; }', 'run');
    expect(again.verdict.status).toBe('runtime_error');
  });
});

describe('storable verdicts', () => {
  it('turns NUL and lone surrogates in what a solution returns or throws into U+FFFD', async () => {
    const returned = await verdictOf(
      String.raw`const solve = () => ({ ['k\u0000']: 'a\u0000b', s: '\ud800', ok: '\ud83d\ude00' });`,
    );
    expect(returned.firstFailure?.actual).toEqual({ 'k\ufffd': 'a\ufffdb', s: '\ufffd', ok: '😀' });
    const thrown = await verdictOf(String.raw`const solve = () => { throw new Error('x\u0000\udc00'); };`);
    expect(thrown.firstFailure?.error?.message).toBe('x\ufffd\ufffd');
    const logged = await verdictOf(String.raw`const solve = () => { console.log('\u0000'); return 1; };`);
    expect(logged.logs).toBe('\ufffd\n');
  });
});

describe('stack', () => {
  it('reports unbounded recursion as runtime_error and keeps judging', async () => {
    const verdict = await verdictOf('function solve(n = 0) { return solve(n + 1) + 1; }');
    expect(verdict).toMatchObject({
      status: 'runtime_error',
      firstFailure: { error: { name: 'InternalError', message: 'stack overflow' } },
    });
    await stillJudges();
  });

  it('allows ordinary recursion a thousand frames deep', async () => {
    const verdict = await verdictOf('function solve(n = 1000) { return n === 0 ? 1 : solve(n - 1); }');
    expect(verdict.status).toBe('accepted');
  });
});

describe('console', () => {
  it('bounds console output per test and per run', async () => {
    const spec: JudgeSpec = {
      ...solve(),
      tests: Array.from({ length: 12 }, () => ({ input: [], expectedOutput: 1 })),
    };
    const code =
      "const line = 'y'.repeat(100);\nfunction solve() { for (let i = 0; i < 1000; i++) console.log(line); return 1; }";
    const verdict = await verdictOf(code, spec);
    expect(verdict.status).toBe('accepted');
    expect(verdict.logs?.length).toBeLessThanOrEqual(4000);
    expect(verdict.logs?.length).toBeGreaterThan(3000);
    const perTest = verdict.logs?.split('…\n').filter(Boolean) ?? [];
    expect(Math.max(...perTest.map((chunk) => chunk.length))).toBeLessThanOrEqual(500);
  });
});

describe('isolation', () => {
  it('exposes no host objects: require, process, timers, fetch', async () => {
    const code = `function solve() {
      return [typeof require, typeof process, typeof setTimeout, typeof setInterval, typeof fetch,
        typeof module, typeof Buffer, typeof WebAssembly, typeof SharedArrayBuffer === 'function' ? 'sab' : 'none'];
    }`;
    const verdict = await verdictOf(code, solve([]));
    expect(verdict.firstFailure?.actual).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'sab',
    ]);
  });

  it('gives nothing host-like on globalThis', async () => {
    const code = 'const solve = () => Object.getOwnPropertyNames(globalThis).sort();';
    const names = (await verdictOf(code, solve([]))).firstFailure?.actual as string[];
    expect(names).toContain('Math');
    for (const host of ['process', 'require', 'setTimeout', 'fetch', 'global', 'os', 'std']) {
      expect(names).not.toContain(host);
    }
    expect(names.filter((n) => /^__|harness/i.test(n))).toEqual([]);
  });

  it('cannot reach the host through the constructor chain', async () => {
    const verdict = await verdictOf(
      "function solve() { return this.constructor.constructor('return process')(); }",
    );
    expect(verdict).toMatchObject({
      status: 'runtime_error',
      firstFailure: { error: { name: 'ReferenceError' } },
    });
  });

  it('cannot require or import modules', async () => {
    expect((await verdictOf("function solve() { return require('fs'); }")).status).toBe('runtime_error');
    expect((await verdictOf("async function solve() { return await import('fs'); }")).status).toBe(
      'runtime_error',
    );
  });

  it('does not carry prototype pollution from one run to the next', async () => {
    const polluter = `Object.prototype.polluted = 'yes';
      Array.prototype.map = function () { return 'hijacked'; };
      JSON.stringify = () => '"forged"';
      const solve = () => 1;`;
    expect((await verdictOf(polluter)).status).toBe('accepted');
    const probe = 'const solve = () => [typeof ({}).polluted, [1, 2].map((x) => x * 2), JSON.stringify(1)];';
    expect((await verdictOf(probe, solve(['undefined', [2, 4], '1']))).status).toBe('accepted');
  });

  it('costs a solution that breaks JSON for itself its verdict, not the judge', async () => {
    const breaker = "Array.prototype.toJSON = () => 'x'; Object.prototype.toJSON = () => undefined;";
    expect((await verdictOf(`${breaker} const solve = () => 1;`)).status).toBe('runtime_error');
    const thrower = await verdictOf(`${breaker} const solve = () => { throw new Error('e'); };`);
    expect(thrower).toMatchObject({
      status: 'runtime_error',
      firstFailure: { error: { name: 'Error', message: 'e' } },
    });
    await stillJudges();
  });

  it('is not fooled by a solution that patches JSON or Reflect to forge its answer', async () => {
    const code = `JSON.stringify = () => '{"ok":1}'; Reflect.apply = () => 1;
      const solve = () => 2;`;
    expect((await verdictOf(code)).status).toBe('wrong_answer');
  });
});

describe('verdict shape', () => {
  it.each([
    ['accepted', judge, 'const solve = () => 1;'],
    ['wrong_answer', judge, 'const solve = () => 2;'],
    ['runtime_error', judge, 'const solve = () => null.x;'],
    ['time_limit_exceeded', judge, 'const solve = () => { for (;;) {} };'],
    [
      'memory_limit_exceeded',
      roomy,
      "const solve = () => { const a = []; for (;;) a.push('x'.repeat(1 << 20)); };",
    ],
    ['compile_error', judge, 'const solve = () => {'],
    ['missing_function', judge, 'const other = () => 1;'],
  ])('a %s verdict matches the shared Verdict schema', async (status, by, code) => {
    const { verdict } = await by.judge(solve(), code, 'submit');
    expect(verdict.status).toBe(status);
    expect(Verdict.parse(verdict)).toEqual(verdict);
  });
});
