import { type CallTest, isSequenceTest, type TestCase } from '@skillbytes/shared';
import { classAdversaries } from './adversary-steps.ts';
import { matches } from './compare.ts';

/** A solution that knows only what every user sees: the visible tests. */
export type Adversary = { code: string; fallback: string };

/** Answers a memorising solution falls back on for inputs it has not seen. */
const FALLBACKS: unknown[] = [null, false, true, 0, 1, -1, '', [], {}];
/** It may also guess one of the visible answers (the most common answer is often the right guess). */
const VISIBLE_GUESSES = 8;

type Guess = { kind: 'constant'; value: unknown } | { kind: 'first argument' };

/**
 * The adversaries authoring runs against a challenge: each answers the visible tests from a lookup
 * table and, for anything else, returns a constant or its first argument. If one is accepted, the
 * challenge's points would go to anyone who copies the visible answers. The constants are the usual
 * guesses, the visible answers, and the one answer the other hidden tests share, if two or more share one.
 * Guesses that already fail a fixed hidden test are dropped here, on the host, so a well-made
 * challenge costs no sandbox run at all.
 */
export function adversaries(spec: {
  functionName: string;
  tests: TestCase[];
  hiddenTests: TestCase[];
}): Adversary[] {
  if (spec.tests.some(isSequenceTest)) {
    const steps = (tests: TestCase[]) => tests.filter(isSequenceTest);
    const tests = steps(spec.tests);
    const visibleAnswers = tests.flatMap((t) =>
      t.steps.flatMap((s) => (s.expectedOutput === undefined ? [] : [s.expectedOutput])),
    );
    const guesses = [...FALLBACKS, ...visibleAnswers.slice(0, VISIBLE_GUESSES)];
    return classAdversaries({
      functionName: spec.functionName,
      tests,
      hiddenTests: steps(spec.hiddenTests),
      guesses,
    });
  }
  return callAdversaries({
    ...spec,
    tests: spec.tests as CallTest[],
    hiddenTests: spec.hiddenTests as CallTest[],
  });
}

function callAdversaries(spec: {
  functionName: string;
  tests: CallTest[];
  hiddenTests: CallTest[];
}): Adversary[] {
  const table = new Map(spec.tests.map((t) => [JSON.stringify(t.input), JSON.stringify(t.expectedOutput)]));
  const unseen = spec.hiddenTests.filter((t) => !table.has(JSON.stringify(t.input)));
  const guesses: Guess[] = [
    ...[...FALLBACKS, ...spec.tests.slice(0, VISIBLE_GUESSES).map((t) => t.expectedOutput)].map(
      (value): Guess => ({ kind: 'constant', value }),
    ),
    // Two or more hidden answers that are all the same are one lucky guess away (a single one is not).
    ...(unseen.length > 1 ? [{ kind: 'constant', value: unseen[0]!.expectedOutput } as Guess] : []),
    { kind: 'first argument' },
  ];
  const seen = new Set<string>();
  const candidates: Adversary[] = [];
  for (const guess of guesses) {
    const fallback = guess.kind === 'constant' ? JSON.stringify(guess.value) : 'its first argument';
    if (seen.has(fallback)) continue;
    seen.add(fallback);
    const answers = (input: unknown[]) => (guess.kind === 'constant' ? guess.value : input[0]);
    // A hidden test the table answers passes by construction (same input, so the same expected value).
    // It never throws, so a hidden test that expects a throw stops it; a test's own checker is only
    // known in the sandbox (matches() answers null), so such a test leaves the guess to the run.
    const mayPass = (t: CallTest) =>
      !t.expectedError && matches(answers(t.input), t.expectedOutput, t.compare) !== false;
    if (!unseen.every(mayPass)) continue;
    candidates.push({ code: memorising(spec.functionName, table, guess), fallback });
  }
  return candidates;
}

/**
 * The adversary's source. It declares nothing: it reaches JSON and Map through the global object and
 * puts its function there, so a challenge whose function is named `JSON`, `Map` or `globalThis` does
 * not break it.
 */
function memorising(functionName: string, table: Map<string, string>, guess: Guess): string {
  const entries = JSON.stringify(JSON.stringify([...table]));
  const otherwise =
    guess.kind === 'constant' ? `parse(${JSON.stringify(JSON.stringify(guess.value))})` : 'args[0]';
  return `(function (g) {
  const parse = g.JSON.parse;
  const stringify = g.JSON.stringify;
  const answers = new g.Map(parse(${entries}));
  g[${JSON.stringify(functionName)}] = (...args) => {
    const key = stringify(args);
    return answers.has(key) ? parse(answers.get(key)) : ${otherwise};
  };
})(this);`;
}
