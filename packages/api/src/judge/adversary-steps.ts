import { fromTagged, type JsonValue, type SequenceTest, type Step, toTagged } from '@skillbytes/shared';
import { type Adversary, distinctAdversaries, type Guess, messageFor, TYPED_PRELUDE } from './adversary.ts';
import { matches } from './compare.ts';

/**
 * Memorising adversaries for class challenges (the function ones are in adversary.ts): an instance
 * that records the steps done on it and answers each one from a table of the visible tests, keyed by
 * the steps so far; for a sequence it has not seen it returns a guess (a constant, or the step's first
 * argument). Guesses that already fail a hidden test are dropped here, on the host.
 */
export function classAdversaries(spec: {
  functionName: string;
  tests: SequenceTest[];
  hiddenTests: SequenceTest[];
  guesses: JsonValue[];
}): Adversary[] {
  const table = new Map<string, Answer>();
  for (const test of spec.tests) {
    for (const [i, step] of test.steps.entries())
      table.set(keyOf(test.steps.slice(0, i + 1)), answerOf(step));
  }
  const members = memberNames([...spec.tests, ...spec.hiddenTests]);
  const guesses: Guess[] = [
    ...spec.guesses.map((value): Guess => ({ kind: 'constant', value })),
    { kind: 'first argument' },
  ];
  return distinctAdversaries(
    guesses,
    (guess) => spec.hiddenTests.every((t) => mayPass(t, table, guess)),
    (guess) => memorising(spec.functionName, table, members, guess),
  );
}

/** What a step answers: a value, a throw (by name and message), or nothing it is checked for. */
type Answer = ['out', unknown] | ['err', string, string] | ['none'];

function action(step: Step): [string, string, unknown[]] {
  if (step.new !== undefined) return ['new', '', step.new];
  if (step.call !== undefined) return ['call', step.call, step.args ?? []];
  if (step.get !== undefined) return ['get', step.get, []];
  return ['iterate', '', []];
}

/** The table key of a sequence: its actions, without what they expect, in canonical author form. */
function keyOf(steps: Step[]): string {
  return JSON.stringify(toTagged(fromTagged(steps.map(action))));
}

function answerOf(step: Step): Answer {
  if (step.expectedError) return ['err', step.expectedError.name ?? 'Error', messageFor(step.expectedError)];
  return step.expectedOutput === undefined ? ['none'] : ['out', step.expectedOutput];
}

function guessed(guess: Guess, step: Step): unknown {
  return fromTagged(guess.kind === 'constant' ? guess.value : action(step)[2][0]);
}

/**
 * Whether the adversary can pass a hidden test: each step with an expectation is answered from the
 * table (same steps so far, so the same expected outcome) or by the guess, which never throws.
 */
function mayPass(test: SequenceTest, table: Map<string, Answer>, guess: Guess): boolean {
  return test.steps.every((step, i) => {
    if (table.has(keyOf(test.steps.slice(0, i + 1)))) return true;
    if (step.expectedError) return false;
    if (step.expectedOutput === undefined) return true;
    return matches(guessed(guess, step), fromTagged(step.expectedOutput), step.compare) !== false;
  });
}

/** Method and property names the tests use; a name that is both is a method. */
function memberNames(tests: SequenceTest[]): { calls: string[]; gets: string[] } {
  const calls = new Set<string>();
  const gets = new Set<string>();
  for (const step of tests.flatMap((t) => t.steps)) {
    if (step.call !== undefined) calls.add(step.call);
    if (step.get !== undefined) gets.add(step.get);
  }
  return { calls: [...calls], gets: [...gets].filter((g) => !calls.has(g)) };
}

/**
 * The adversary's source: a constructor function (so `new` works) that declares nothing and reaches
 * what it needs through the global object, as the function adversaries do.
 */
function memorising(
  functionName: string,
  table: Map<string, Answer>,
  members: { calls: string[]; gets: string[] },
  guess: Guess,
): string {
  const text = (v: unknown) => JSON.stringify(JSON.stringify(v));
  const otherwise = guess.kind === 'constant' ? `typed.fromTagged(parse(${text(guess.value)}))` : 'args[0]';
  return `(function (g, typed) {
  const parse = g.JSON.parse;
  const stringify = (v) => g.JSON.stringify(typed.toTagged(v));
  const table = new g.Map(parse(${text([...table])}));
  const members = parse(${text(members)});
  const answer = (history, args) => {
    const key = stringify(history);
    if (!table.has(key)) return ${otherwise};
    const a = table.get(key);
    if (a[0] === 'err') {
      const e = new g.Error(a[2]);
      e.name = a[1];
      throw e;
    }
    return a[0] === 'out' ? typed.fromTagged(a[1]) : undefined;
  };
  g[${JSON.stringify(functionName)}] = function (...args) {
    const history = [['new', '', args]];
    const self = this;
    answer(history, args);
    for (const name of members.calls) {
      self[name] = (...a) => {
        history.push(['call', name, a]);
        return answer(history, a);
      };
    }
    for (const name of members.gets) {
      g.Object.defineProperty(self, name, {
        get() {
          history.push(['get', name, []]);
          return answer(history, []);
        },
      });
    }
    self[g.Symbol.iterator] = () => {
      history.push(['iterate', '', []]);
      const r = answer(history, []);
      return (g.Array.isArray(r) ? r : [])[g.Symbol.iterator]();
    };
  };
})(this, ${TYPED_PRELUDE});`;
}
