import type { JsonValue, TestCase } from '@skillbytes/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../config.ts';
import { createJudge, type JudgeSpec } from './index.ts';

// Typed values (BigInt, Date, undefined, NaN, ±Infinity, -0, Map, Set) through the real sandbox: in as
// arguments, out as return values, to checkers and generators, and past the memorising adversaries.
const judge = createJudge({
  ...defaultApiConfig().judge,
  timeoutMs: 20_000,
  testTimeoutMs: 2000,
  workers: 1,
});
afterAll(() => judge.close());

const spec = (tests: TestCase[], extra: Partial<JudgeSpec> = {}): JudgeSpec => ({
  functionName: 'f',
  tests,
  hiddenTests: [],
  generator: null,
  ...extra,
});
const test = (input: JsonValue[], expectedOutput: JsonValue, more: Partial<TestCase> = {}): TestCase => ({
  input,
  expectedOutput,
  ...more,
});

async function verdictOf(code: string, s: JudgeSpec) {
  return (await judge.judge(s, code, 'run')).verdict;
}

describe('typed values in arguments', () => {
  it('reach the solution as real values, nested anywhere', async () => {
    const input: JsonValue[] = [
      { $bigint: '123456789012345678901234567890' },
      { $date: '2024-01-02T03:04:05.000Z' },
      { $map: [[{ $bigint: '1' }, { $set: ['a', { $undefined: true }] }]] },
      { $undefined: true },
      { a: { $undefined: true }, b: { $number: '-0' }, c: { $number: 'NaN' } },
      { $object: { $set: 'literal' } },
    ];
    const probe = `function f(big, date, map, nothing, o, literal) {
      return [
        typeof big === 'bigint' && big === 123456789012345678901234567890n,
        date instanceof Date && date.getTime() === Date.UTC(2024, 0, 2, 3, 4, 5),
        map instanceof Map && map.get(1n) instanceof Set && map.get(1n).has(undefined) && map.get(1n).size === 2,
        arguments.length === 6 && nothing === undefined,
        Object.hasOwn(o, 'a') && o.a === undefined && Object.is(o.b, -0) && Number.isNaN(o.c),
        literal.$set === 'literal',
      ];
    }`;
    const verdict = await verdictOf(probe, spec([test(input, [true, true, true, true, true, true])]));
    expect(verdict).toMatchObject({ status: 'accepted' });
  });

  it('keeps a __proto__ key an own property, in an argument and back out', async () => {
    const input = JSON.parse('[{"__proto__": {"x": 1}, "y": 2}]') as JsonValue[];
    const code = `function f(o) { return [Object.hasOwn(o, '__proto__'), Object.getPrototypeOf(o) === Object.prototype, o]; }`;
    const expected = JSON.parse('[true, true, {"__proto__": {"x": 1}, "y": 2}]') as JsonValue;
    expect(await verdictOf(code, spec([test(input, expected)]))).toMatchObject({ status: 'accepted' });
  });
});

describe('typed values returned', () => {
  it('are compared as what they are', async () => {
    const cases: [string, JsonValue, 'accepted' | 'wrong_answer'][] = [
      ['() => 10n ** 20n', { $bigint: '100000000000000000000' }, 'accepted'],
      ['() => 1e20', { $bigint: '100000000000000000000' }, 'wrong_answer'],
      ['() => new Date(0)', { $date: '1970-01-01T00:00:00.000Z' }, 'accepted'],
      ['() => new Date(0).toISOString()', { $date: '1970-01-01T00:00:00.000Z' }, 'wrong_answer'],
      [
        '() => new Map([["b", 2], ["a", 1]])',
        {
          $map: [
            ['a', 1],
            ['b', 2],
          ],
        },
        'accepted',
      ],
      [
        '() => ({ a: 1, b: 2 })',
        {
          $map: [
            ['a', 1],
            ['b', 2],
          ],
        },
        'wrong_answer',
      ],
      ['() => new Set([3, 2, 1])', { $set: [1, 2, 3] }, 'accepted'],
      ['() => [1, 2, 3]', { $set: [1, 2, 3] }, 'wrong_answer'],
      ['() => -0', { $number: '-0' }, 'accepted'],
      ['() => 0', { $number: '-0' }, 'wrong_answer'],
      ['() => -0', 0, 'accepted'],
      ['() => NaN', { $number: 'NaN' }, 'accepted'],
      ['() => undefined', { $undefined: true }, 'accepted'],
      ['() => null', { $undefined: true }, 'wrong_answer'],
      ['() => ({ a: 1, b: undefined })', { a: 1 }, 'accepted'],
      ['() => ({ a: 1 })', { a: 1, b: { $undefined: true } }, 'accepted'],
    ];
    for (const [body, expected, status] of cases) {
      const verdict = await verdictOf(`const f = ${body};`, spec([test([], expected)]));
      expect(verdict.status, `${body} against ${JSON.stringify(expected)}`).toBe(status);
    }
  });

  it('are shown in the author form when wrong', async () => {
    const verdict = await verdictOf(
      'const f = () => new Map([[1n, new Set([new Date(0), -0, undefined])]]);',
      spec([test([], null)]),
    );
    expect(verdict.firstFailure?.actual).toEqual({
      $map: [[{ $bigint: '1' }, { $set: [{ $date: '1970-01-01T00:00:00.000Z' }, 0, { $undefined: true }] }]],
    });
  });

  it('cannot be faked: an object posing as a Date, Map or Set is a plain object', async () => {
    const fakes: [string, JsonValue, unknown][] = [
      ['Object.setPrototypeOf({ size: 0 }, Map.prototype)', { $map: [] }, { size: 0 }],
      ['Object.setPrototypeOf({}, Set.prototype)', { $set: [] }, {}],
      [
        'Object.setPrototypeOf({ toJSON: undefined }, Date.prototype)',
        { $date: '1970-01-01T00:00:00.000Z' },
        {},
      ],
    ];
    for (const [fake, expected, shown] of fakes) {
      const verdict = await verdictOf(`const f = () => ${fake};`, spec([test([], expected)]));
      expect(verdict, fake).toMatchObject({ status: 'wrong_answer', firstFailure: { actual: shown } });
    }
  });

  it('are read from the value itself, whatever toJSON a solution installs', async () => {
    const code = `Date.prototype.toJSON = () => 'forged';
      Map.prototype.toJSON = () => ({ forged: true });
      const f = () => [new Date(0), new Map([[1, 2]])];`;
    const expected: JsonValue = [{ $date: '1970-01-01T00:00:00.000Z' }, { $map: [[1, 2]] }];
    expect(await verdictOf(code, spec([test([], expected)]))).toMatchObject({ status: 'accepted' });
  });

  it('fail as the solution’s own runtime error when a Map holds itself', async () => {
    const verdict = await verdictOf(
      'const f = () => { const m = new Map(); m.set(1, m); return m; };',
      spec([test([], 1)]),
    );
    expect(verdict.status).toBe('runtime_error');
    // One Set in two places is no cycle.
    const shared = spec([test([], [{ $set: [1] }, { $set: [1] }])]);
    expect(
      (await verdictOf('const f = () => { const s = new Set([1]); return [s, s]; };', shared)).status,
    ).toBe('accepted');
  });

  it('carry a large Map in and out', async () => {
    const pairs: JsonValue[] = Array.from({ length: 20_000 }, (_, i) => [`k${i}`, { $bigint: String(i) }]);
    // The whole budget for the one test: this checks the values arrive intact, not how fast (a busy
    // 2-core machine may take seconds; the judge's speed is the bench's to measure).
    const s = spec([test([{ $map: pairs }], { $map: pairs })], { testTimeoutMs: 20_000 });
    expect((await verdictOf('const f = (m) => new Map(m);', s)).status).toBe('accepted');
  });

  it('compare approximately inside Map values and unordered inside Sets and arrays', async () => {
    const approx = spec([test([], { $map: [['x', 0.3]] }, { compare: { mode: 'approx' } })]);
    expect((await verdictOf('const f = () => new Map([["x", 0.1 + 0.2]]);', approx)).status).toBe('accepted');
    const unordered = spec([
      test([], [{ $bigint: '2' }, { $bigint: '1' }], { compare: { mode: 'unordered' } }),
    ]);
    expect((await verdictOf('const f = () => [1n, 2n];', unordered)).status).toBe('accepted');
    expect((await verdictOf('const f = () => [1, 2];', unordered)).status).toBe('wrong_answer');
  });
});

describe('typed values in the challenge’s own code', () => {
  it('reach a checker as real values', async () => {
    const checker = `return output instanceof Set && expected instanceof Set && input[0] instanceof Map
      && output.size === expected.size && [...expected].every((x) => output.has(x));`;
    const s = spec([
      test(
        [
          {
            $map: [
              ['a', 1],
              ['b', 2],
            ],
          },
        ],
        { $set: ['a', 'b'] },
        { compare: { mode: 'checker', checker } },
      ),
    ]);
    expect((await verdictOf('const f = (m) => new Set(m.keys());', s)).status).toBe('accepted');
    expect((await verdictOf('const f = (m) => [...m.keys()];', s)).status).toBe('wrong_answer');
    const check = await judge.checkChallenge({ ...s, solution: 'const f = (m) => new Set(m.keys());' });
    // The checker accepts its own expected Set and the reference passes: only the adversary is left.
    expect(!check.ok && check.problems).toEqual([expect.stringMatching(/memorises the visible tests/)]);
  });

  it('come out of a generator and into its outFn as real values', async () => {
    const s = spec([test([{ $bigint: '3' }], { $bigint: '6' })], {
      hiddenTests: [test([{ $bigint: '4' }], { $bigint: '24' })],
      generator: {
        inFn: '[BigInt(1 + Math.floor(Math.random() * 30))]',
        outFn: 'let p = 1n; for (let i = 2n; i <= input[0]; i++) p *= i; return output === p;',
        cases: 10,
      },
    });
    const solution = 'function f(n) { let p = 1n; for (let i = 2n; i <= n; i++) p *= i; return p; }';
    expect(await judge.checkChallenge({ ...s, solution })).toMatchObject({ ok: true });
    const asNumber = 'function f(n) { let p = 1; for (let i = 2; i <= Number(n); i++) p *= i; return p; }';
    expect((await judge.judge(s, asNumber, 'submit')).verdict.status).toBe('wrong_answer');
  });
});

describe('the memorising adversary', () => {
  it('recognises typed visible inputs and answers with typed values', async () => {
    const s = spec([
      test([{ $map: [['a', { $bigint: '1' }]] }, { $date: '2024-01-01T00:00:00.000Z' }], {
        $set: [{ $bigint: '1' }],
      }),
      test([{ $object: { $set: [] } }, { $undefined: true }], { $number: '-0' }),
    ]);
    const check = await judge.checkChallenge({ ...s, solution: null });
    expect(!check.ok && check.problems[0]).toMatch(/memorises the visible tests' answers/);
  });

  it('is refused by hidden tests whose typed answers it cannot guess', async () => {
    const s = spec([test([{ $bigint: '2' }], { $bigint: '4' })], {
      hiddenTests: [test([{ $bigint: '3' }], { $bigint: '9' }), test([{ $bigint: '5' }], { $bigint: '25' })],
    });
    expect(await judge.checkChallenge({ ...s, solution: 'const f = (n) => n * n;' })).toMatchObject({
      ok: true,
    });
  });
});
