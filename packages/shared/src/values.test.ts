import { describe, expect, it } from 'vitest';
import { TestCase } from './challenges.ts';
import {
  fromTagged,
  TAGGED_MAX_DEPTH,
  TaggedValue,
  TaggedValueError,
  taggedProblem,
  toTagged,
} from './values.ts';

/** `levels` arrays around `inner`. */
const nested = (levels: number, inner: unknown = 1): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};

/** The message zod gives for a test value, and where. */
const issueOf = (value: unknown) => {
  const result = TaggedValue.safeParse(value);
  return result.success
    ? null
    : { message: result.error.issues[0]!.message, path: result.error.issues[0]!.path };
};

describe('fromTagged', () => {
  it('reads every tag as the value it stands for', () => {
    const [big, date, undef, nan, inf, negInf, negZero] = fromTagged([
      { $bigint: '-15511210043330985984000000' },
      { $date: '2024-01-02T03:04:05.000Z' },
      { $undefined: true },
      { $number: 'NaN' },
      { $number: 'Infinity' },
      { $number: '-Infinity' },
      { $number: '-0' },
    ]) as unknown[];
    expect(big).toBe(-15511210043330985984000000n);
    expect(date).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    expect(undef).toBeUndefined();
    expect(nan).toBeNaN();
    expect(inf).toBe(Number.POSITIVE_INFINITY);
    expect(negInf).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(negZero, -0)).toBe(true);
  });

  it('reads Maps and Sets in their order, with author-form keys, values and members', () => {
    const map = fromTagged({
      $map: [
        ['b', { $bigint: '2' }],
        [{ $bigint: '1' }, [{ $undefined: true }]],
      ],
    });
    expect(map).toBeInstanceOf(Map);
    expect([...(map as Map<unknown, unknown>)]).toEqual([
      ['b', 2n],
      [1n, [undefined]],
    ]);
    const set = fromTagged({ $set: [3, { $set: [] }, 'x'] }) as Set<unknown>;
    expect([...set]).toEqual([3, new Set(), 'x']);
    // Object keys are distinct by identity, as in a real Map.
    expect(
      (
        fromTagged({
          $map: [
            [[1], 'a'],
            [[1], 'b'],
          ],
        }) as Map<unknown, unknown>
      ).size,
    ).toBe(2);
  });

  it('leaves plain JSON as it was: several keys, other $ keys and arrays are plain', () => {
    const json = { $bigint: '1', other: 2, list: [{ $money: 5 }, {}], nested: { a: null, b: 'text' } };
    expect(fromTagged(json)).toEqual(json);
    expect(fromTagged([1, 'two', true, null])).toEqual([1, 'two', true, null]);
  });

  it('reads a plain -0 as 0, as JSON.stringify and the database write it', () => {
    expect(Object.is(fromTagged(JSON.parse('-0')), 0)).toBe(true);
    expect(Object.is((fromTagged([-0]) as number[])[0], 0)).toBe(true);
  });

  it('takes an $object literally at its top level and still reads its values', () => {
    expect(fromTagged({ $object: { $bigint: { $bigint: '7' } } })).toEqual({ $bigint: 7n });
    expect(fromTagged({ $object: {} })).toEqual({});
  });

  it('keeps a __proto__ key as an own property and never as the prototype', () => {
    const json = JSON.parse('{"__proto__": {"polluted": true}, "a": {"$object": {"__proto__": 1}}}');
    const value = fromTagged(json) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(value.a as object, '__proto__')).toBe(true);
    expect(toTagged(value)).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": 1}}'));
  });

  it('refuses malformed tags with what is wrong and where', () => {
    const cases: [unknown, RegExp][] = [
      [{ $bigint: '1.5' }, /expected an integer string/],
      [{ $bigint: 12 }, /expected an integer string/],
      [{ $bigint: '007' }, /expected an integer string/],
      [{ $bigint: '-0' }, /expected an integer string/],
      [{ $date: '2024-01-02' }, /as toISOString\(\) writes it/],
      [{ $date: '2024-02-30T00:00:00.000Z' }, /as toISOString\(\) writes it/],
      [{ $date: 'Invalid Date' }, /as toISOString\(\) writes it/],
      [{ $undefined: false }, /expected true/],
      [{ $number: '1' }, /expected "NaN", "Infinity", "-Infinity" or "-0"/],
      [{ $number: Number.NaN }, /expected "NaN"/],
      [{ $map: { a: 1 } }, /array of \[key, value\] pairs/],
      [{ $map: [[1, 2, 3]] }, /a \[key, value\] pair/],
      [
        {
          $map: [
            [1, 'a'],
            [1, 'b'],
          ],
        },
        /a repeated Map key/,
      ],
      [
        {
          $map: [
            [{ $number: 'NaN' }, 1],
            [{ $number: 'NaN' }, 2],
          ],
        },
        /a repeated Map key/,
      ],
      [{ $map: [[{ $number: '-0' }, 1]] }, /-0 as a Map key is stored as 0/],
      [{ $set: 'abc' }, /array of members/],
      [{ $set: [1, 1] }, /a repeated Set member/],
      [{ $object: [1] }, /expected an object \(at \$object\)/],
      [[1, Number.POSITIVE_INFINITY], /expected a JSON value/],
      [{ when: new Date(0) }, /not an instance of Date \(write it as a tag/],
      [[() => 1], /not function/],
    ];
    for (const [value, message] of cases) {
      expect(() => fromTagged(value), JSON.stringify(value) ?? String(value)).toThrow(message);
    }
    const problem = taggedProblem({ list: [0, { $map: [['k', { $bigint: 'x' }]] }] });
    expect(problem).toBeInstanceOf(TaggedValueError);
    expect(problem?.path).toEqual(['list', 1, '$map', 0, 1, '$bigint']);
  });

  it('refuses nesting deeper than the limit without overflowing the stack', () => {
    expect(fromTagged(nested(TAGGED_MAX_DEPTH))).toEqual(nested(TAGGED_MAX_DEPTH));
    expect(() => fromTagged(nested(TAGGED_MAX_DEPTH + 1))).toThrow(/nested deeper than 256/);
    // Far deeper than any stack: refused at the limit, not by a RangeError.
    expect(() => fromTagged(nested(200_000))).toThrow(TaggedValueError);
    // Tags count as the containers they are.
    expect(() => fromTagged(nested(TAGGED_MAX_DEPTH, { $bigint: '1' }))).toThrow(/nested deeper/);
    expect(fromTagged(nested(TAGGED_MAX_DEPTH - 1, { $bigint: '1' }))).toEqual(
      nested(TAGGED_MAX_DEPTH - 1, 1n),
    );
  });

  it('reads a huge Map and Set in linear time', () => {
    const pairs = Array.from({ length: 50_000 }, (_, i) => [`k${i}`, { $bigint: String(i) }]);
    const started = performance.now();
    const map = fromTagged({ $map: pairs }) as Map<string, bigint>;
    const set = fromTagged({ $set: Array.from({ length: 50_000 }, (_, i) => i) }) as Set<number>;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(map.size).toBe(50_000);
    expect(map.get('k49999')).toBe(49_999n);
    expect(set.size).toBe(50_000);
  });
});

describe('toTagged', () => {
  it('writes values JSON cannot carry as tags, and drops nothing', () => {
    const value = {
      big: 10n ** 30n,
      when: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      nothing: undefined,
      numbers: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5],
      map: new Map<unknown, unknown>([
        [new Date(0), new Set([1n])],
        [{ $set: 1 }, undefined],
      ]),
    };
    expect(toTagged(value)).toEqual({
      big: { $bigint: '1000000000000000000000000000000' },
      when: { $date: '1999-12-31T23:59:59.999Z' },
      nothing: { $undefined: true },
      numbers: [
        { $number: 'NaN' },
        { $number: 'Infinity' },
        { $number: '-Infinity' },
        { $number: '-0' },
        0,
        1.5,
      ],
      map: {
        $map: [
          [{ $date: '1970-01-01T00:00:00.000Z' }, { $set: [{ $bigint: '1' }] }],
          [{ $object: { $set: 1 } }, { $undefined: true }],
        ],
      },
    });
    // An array's holes are undefined too.
    expect(toTagged(new Array(2))).toEqual([{ $undefined: true }, { $undefined: true }]);
  });

  it('escapes only the objects that would read as a tag', () => {
    expect(toTagged({ $date: 'x' })).toEqual({ $object: { $date: 'x' } });
    expect(toTagged({ $date: 'x', y: 1 })).toEqual({ $date: 'x', y: 1 });
    expect(toTagged({ $other: 1 })).toEqual({ $other: 1 });
    // Each level of a real object keyed `$object` is escaped once.
    expect(toTagged({ $object: { $object: {} } })).toEqual({
      $object: { $object: { $object: { $object: {} } } },
    });
  });

  it('refuses what the author form cannot hold, unless told what to write instead', () => {
    expect(() => toTagged(() => 1)).toThrow(/a function/);
    expect(() => toTagged(Symbol('s'))).toThrow(/a symbol/);
    expect(() => toTagged(new Date(Number.NaN))).toThrow(/an invalid Date/);
    expect(() => toTagged(new (class Point {})())).toThrow(/an instance of a class/);
    expect(() => toTagged(nested(TAGGED_MAX_DEPTH + 1))).toThrow(/nested deeper/);
    expect(toTagged([() => 1, new Date(Number.NaN)], (_v, why) => `[${why}]`)).toEqual([
      '[a function]',
      '[an invalid Date]',
    ]);
  });

  it('round-trips canonical author form exactly', () => {
    const canonical: unknown[] = [
      null,
      'text',
      [1, -2.5, true, { a: [] }],
      { $bigint: '0' },
      { $bigint: '-123456789012345678901234567890' },
      { $date: '+275760-09-13T00:00:00.000Z' },
      { $date: '-000001-01-01T00:00:00.000Z' },
      { $undefined: true },
      { $number: '-0' },
      { $map: [] },
      { $map: [[{ $map: [[1, 2]] }, { $set: [{ $number: 'NaN' }, 0, '0'] }]] },
      { $object: { $map: [[1, 2]] } },
      { $object: { $object: { $undefined: true } } },
      JSON.parse('{"__proto__": [{"$set": []}]}'),
      { '': { $undefined: true }, '\u0000': 'nul key', '1': 'integer key first' },
      nested(TAGGED_MAX_DEPTH - 3, { $map: [[1, 2]] }),
    ];
    for (const x of canonical) expect(toTagged(fromTagged(x)), JSON.stringify(x)).toEqual(x);
  });

  it('writes a deeply nested value up to the limit, exactly as far as fromTagged reads', () => {
    for (const inner of [{ $set: [1] }, { $map: [[1, 2]] }, { $map: [] }, { $object: { $set: 1 } }]) {
      const deepest = (() => {
        for (let levels = TAGGED_MAX_DEPTH; levels >= 0; levels--) {
          if (taggedProblem(nested(levels, inner)) === null) return levels;
        }
        return -1;
      })();
      const fits = fromTagged(nested(deepest, inner));
      expect(toTagged(fits)).toEqual(nested(deepest, inner));
      expect(() => toTagged([fits])).toThrow(/nested deeper/);
    }
  });
});

describe('TaggedValue in a test', () => {
  it('accepts plain JSON and typed values, and names the malformed tag and its place', () => {
    expect(TestCase.safeParse({ input: [{ $bigint: '25' }], expectedOutput: { $set: [1] } }).success).toBe(
      true,
    );
    expect(TestCase.safeParse({ input: [{ a: 1 }], expectedOutput: [1, 'x'] }).success).toBe(true);
    const result = TestCase.safeParse({ input: [1, { $bigint: '1.5' }], expectedOutput: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['input', 1, '$bigint'],
        message: 'expected an integer string, like "-123" (no leading zeros, no "-0")',
      }),
    ]);
    expect(issueOf({ $map: [[1, 2, 3]] })).toEqual({
      message: 'expected a [key, value] pair',
      path: ['$map', 0],
    });
    expect(issueOf(nested(100_000))?.message).toMatch(/nested deeper than 256/);
  });

  it('expects an undefined output only as a tag: a test still needs an output or a throw', () => {
    expect(TestCase.safeParse({ input: [], expectedOutput: { $undefined: true } }).success).toBe(true);
    expect(TestCase.safeParse({ input: [] }).success).toBe(false);
  });
});
