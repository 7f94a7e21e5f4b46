import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serialize } from '../src/lib/wire.ts';

/** A small seeded PRNG (mulberry32): the same values on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['id', 'createdAt', 'a.b', 'back\\slash', '', 'items', '0', 'x', 'déjà', '\u{1F600}', 'a\\.b'];

/** Values of the kinds the API answers, and now and then one only superjson handles. */
function generate(random: () => number, depth: number, shared: object[]): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const r = random();
  if (depth > 4 || r < 0.35) {
    return pick<() => unknown>([
      () => 'text',
      () => '',
      () => 'NUL \u0000 and \ud800 lone',
      () => Math.floor(random() * 1e6) - 5e5,
      () => random(),
      () => true,
      () => null,
      () => undefined,
      () => new Date(Math.floor(random() * 4e12)),
      () =>
        random() < 0.15
          ? pick<unknown>([
              Number.NaN,
              Infinity,
              -0,
              10n,
              new Date(Number.NaN),
              new Map([[1, 2]]),
              new Set([1]),
              /x/g,
              new URL('https://x.test/'),
              new Uint8Array(2),
              new (class Thing {})(),
            ])
          : 7,
      () => (random() < 0.1 && shared.length ? pick(shared) : 'plain'),
    ])();
  }
  if (r < 0.65) {
    const out = Array.from({ length: Math.floor(random() * 5) }, () => generate(random, depth + 1, shared));
    if (random() < 0.03) delete out[0];
    shared.push(out);
    return out;
  }
  const out: Record<string, unknown> = random() < 0.1 ? Object.create(null) : {};
  for (let i = Math.floor(random() * 5); i > 0; i--) out[pick(KEYS)] = generate(random, depth + 1, shared);
  shared.push(out);
  return out;
}

const outcome = (f: () => unknown) => {
  try {
    return { ok: JSON.stringify(f()) };
  } catch (error) {
    return { threw: (error as Error).message };
  }
};

describe('the wire serializer', () => {
  it('writes what superjson writes, byte for byte, for 5000 generated values', () => {
    const random = prng(20261202);
    for (let n = 0; n < 5000; n++) {
      const value = generate(random, 0, []);
      expect(
        outcome(() => serialize(value)),
        `value ${n}`,
      ).toEqual(outcome(() => superjson.serialize(value)));
    }
  });

  it('and what it writes reads back as the same value', () => {
    const value = {
      id: 'x',
      at: new Date('2026-12-02T10:00:00.000Z'),
      items: [{ on: new Date(0), note: undefined, 'dotted.key': new Date(1) }],
      nested: { 'back\\slash': [new Date(2)] },
    };
    expect(superjson.deserialize(serialize(value))).toEqual(value);
  });

  it('hands superjson what it refuses, so it is refused the same way', () => {
    const polluted = JSON.parse('{"__proto__": {"admin": true}}');
    expect(() => serialize(polluted)).toThrow(/prototype pollution/);
    expect(() => serialize({ a: { constructor: 1 } })).toThrow(/prototype pollution/);
  });

  it('shared objects, Dates at the root and bare undefined are superjson’s own output', () => {
    const shared = { p: 1 };
    const date = new Date(5);
    for (const value of [
      { a: shared, b: shared },
      { a: date, b: date },
      date,
      undefined,
      [undefined],
      null,
      'x',
      1,
    ]) {
      expect(JSON.stringify(serialize(value))).toBe(JSON.stringify(superjson.serialize(value)));
    }
  });
});
