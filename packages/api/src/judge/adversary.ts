import type { TestCase } from '@skillbytes/shared';
import { deepEqual } from './codec.ts';

/** A solution that knows only what every user sees: the visible tests. */
export type Adversary = { code: string; fallback: string };

/** Answers a memorising solution falls back on for inputs it has not seen. */
const FALLBACKS: unknown[] = [null, false, true, 0, 1, -1, '', [], {}];
/** It may also guess one of the visible answers (the most common answer is often the right guess). */
const VISIBLE_GUESSES = 8;

/**
 * The adversaries authoring runs against a challenge: each answers the visible tests from a lookup
 * table and returns one constant otherwise. If one is accepted, the challenge's points would go to
 * anyone who copies the visible answers. Constants that already fail a fixed hidden test are dropped
 * here, on the host, so a well-made challenge costs no sandbox run at all.
 */
export function adversaries(spec: {
  functionName: string;
  tests: TestCase[];
  hiddenTests: TestCase[];
}): Adversary[] {
  const table = new Map(spec.tests.map((t) => [JSON.stringify(t.input), JSON.stringify(t.expectedOutput)]));
  const guesses = [...FALLBACKS, ...spec.tests.slice(0, VISIBLE_GUESSES).map((t) => t.expectedOutput)];
  const seen = new Set<string>();
  const candidates: Adversary[] = [];
  for (const guess of guesses) {
    const fallback = JSON.stringify(guess);
    if (seen.has(fallback)) continue;
    seen.add(fallback);
    const answers = (input: unknown) => JSON.parse(table.get(JSON.stringify(input)) ?? fallback) as unknown;
    if (!spec.hiddenTests.every((t) => deepEqual(answers(t.input), t.expectedOutput))) continue;
    candidates.push({ code: memorising(spec.functionName, table, fallback), fallback });
  }
  return candidates;
}

/**
 * The adversary's source. It reaches JSON and Map through globalThis, so a challenge whose function is
 * named `JSON` or `Map` does not break it.
 */
function memorising(functionName: string, table: Map<string, string>, fallback: string): string {
  const entries = JSON.stringify(JSON.stringify([...table]));
  return `const ${functionName} = (() => {
  const { parse, stringify } = globalThis.JSON;
  const answers = new globalThis.Map(parse(${entries}));
  const fallback = ${JSON.stringify(fallback)};
  return (...args) => {
    const key = stringify(args);
    return parse(answers.has(key) ? answers.get(key) : fallback);
  };
})();`;
}
