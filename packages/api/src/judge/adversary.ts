import { readFileSync } from 'node:fs';
import {
  type CallTest,
  type ExpectedError,
  fromTagged,
  isSequenceTest,
  type JsonValue,
  type TestCase,
  toTagged,
} from '@skillbytes/shared';
import { classAdversaries } from './adversary-steps.ts';
import { matches } from './compare.ts';

const sandboxSource = (name: string) =>
  readFileSync(new URL(`./sandbox/${name}`, import.meta.url), 'utf8')
    .trim()
    .replace(/;$/, '');
/** The memorising solution's own code (see sandbox/adversary.js), read once. */
const ADVERSARY_JS = sandboxSource('adversary.js');
/**
 * An expression, in an adversary's source, for the author form of typed values inside the sandbox
 * (`{ toTagged, fromTagged }`, sandbox/typed.js); it takes the globals it needs when evaluated.
 */
export const TYPED_PRELUDE = `(${sandboxSource('typed.js')})(this)`;

/** What a memorised test answers: an author-form value, or a throw (by name and message). */
type Answer = ['out', JsonValue | undefined] | ['err', string, string];

function answerOf(t: { expectedOutput?: JsonValue; expectedError?: ExpectedError }): Answer {
  return t.expectedError
    ? ['err', t.expectedError.name ?? 'Error', messageFor(t.expectedError)]
    : ['out', t.expectedOutput];
}

/**
 * A message the expected throw accepts, as someone reading the visible test would write it: the exact
 * message, or the pattern's own text when it matches itself once its regex syntax is dropped.
 */
export function messageFor(expected: ExpectedError): string {
  if (expected.message !== undefined) return expected.message;
  if (expected.messagePattern === undefined) return '';
  const literal = expected.messagePattern.replace(/\\(.)/g, '$1').replace(/[\^$]/g, '');
  return new RegExp(expected.messagePattern).test(literal) ? literal : '';
}

/** A solution that knows only what every user sees: the visible tests. */
export type Adversary = { code: string; fallback: string };

/** Answers a memorising solution falls back on for inputs it has not seen. */
const FALLBACKS: JsonValue[] = [null, false, true, 0, 1, -1, '', [], {}];
/** It may also guess one of the visible answers (the most common answer is often the right guess). */
const VISIBLE_GUESSES = 8;

export type Guess = { kind: 'constant'; value: JsonValue } | { kind: 'first argument' };

/**
 * The key of a test's arguments in the memorising table: their canonical author-form text, which the
 * adversary computes again from the real values it is called with (sandbox/adversary.js).
 */
const keyOf = (input: JsonValue[]) => JSON.stringify(toTagged(fromTagged(input)));

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
  // A visible test that expects a throw is memorised too: the adversary throws what it expects.
  const answered = spec.tests.flatMap((t) => (t.expectedOutput === undefined ? [] : [t]));
  const table = new Map(spec.tests.map((t) => [keyOf(t.input), answerOf(t)]));
  const unseen = spec.hiddenTests.filter((t) => !table.has(keyOf(t.input)));
  const sharedAnswer = unseen[0]?.expectedOutput;
  const guesses: Guess[] = [
    ...[...FALLBACKS, ...answered.slice(0, VISIBLE_GUESSES).map((t) => t.expectedOutput as JsonValue)].map(
      (value): Guess => ({ kind: 'constant', value }),
    ),
    // Two or more hidden answers that are all the same are one lucky guess away (a single one is not).
    ...(unseen.length > 1 && sharedAnswer !== undefined
      ? [{ kind: 'constant', value: sharedAnswer } as Guess]
      : []),
    { kind: 'first argument' },
  ];
  return distinctAdversaries(
    guesses,
    (guess) => {
      const answers = (input: JsonValue[]) =>
        guess.kind === 'constant' ? fromTagged(guess.value) : (fromTagged(input) as unknown[])[0];
      // A hidden test the table answers passes by construction (same input, so the same expected
      // value). A throw the table does not hold stops the guess; a test's own checker is only known in
      // the sandbox (matches() answers null), so such a test leaves the guess to the run.
      const mayPass = (t: CallTest) =>
        !t.expectedError && matches(answers(t.input), fromTagged(t.expectedOutput), t.compare) !== false;
      return unseen.every(mayPass);
    },
    (guess) => memorising(spec.functionName, table, guess),
  );
}

/**
 * One adversary per distinct guess that may pass every hidden test it does not memorise; guesses
 * that already fail one are dropped here, on the host, so a well-made challenge costs no sandbox run.
 */
export function distinctAdversaries(
  guesses: Guess[],
  mayPass: (guess: Guess) => boolean,
  code: (guess: Guess) => string,
): Adversary[] {
  const seen = new Set<string>();
  const candidates: Adversary[] = [];
  for (const guess of guesses) {
    const fallback = guess.kind === 'constant' ? JSON.stringify(guess.value) : 'its first argument';
    if (seen.has(fallback)) continue;
    seen.add(fallback);
    if (mayPass(guess)) candidates.push({ code: code(guess), fallback });
  }
  return candidates;
}

/**
 * The adversary's source: sandbox/adversary.js called with the global object, its table of
 * `[argument key, author-form answer]` and its fallback (author-form text, or null for the first argument).
 */
function memorising(functionName: string, table: Map<string, Answer>, guess: Guess): string {
  const fallback = guess.kind === 'constant' ? JSON.stringify(JSON.stringify(guess.value)) : 'null';
  const args = [JSON.stringify(functionName), JSON.stringify(JSON.stringify([...table])), fallback];
  return `(${ADVERSARY_JS})(this, ${TYPED_PRELUDE}, ${args.join(', ')});`;
}
