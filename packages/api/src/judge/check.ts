import {
  type JsonValue,
  type Generator,
  isSequenceTest,
  type TestCase,
  type TestKind,
  type Verdict,
} from '@skillbytes/shared';
import { adversaries } from './adversary.ts';
import { encodeJson } from './codec.ts';
import { Sandbox } from './harness.ts';
import {
  CHECK_SEED,
  type CheckJob,
  caseSeed,
  type Engine,
  judgeRun,
  type RunEvents,
  type RunJob,
  replyText,
} from './run.ts';

const NO_EVENTS: RunEvents = { progress() {}, failure() {} };

/**
 * The challenge's own data must hold together: every fixed test satisfies the checker, the generator
 * produces inputs, the reference solution (in the challenge's own language) is accepted on everything,
 * and a solution that only memorises the visible answers (JavaScript, written by adversary.ts) is not.
 * Problems name the test.
 */
export function checkChallengeRun(
  engine: Engine,
  job: CheckJob,
): { problems: string[]; poisoned: boolean; referenceSlowestTestMs: number | null } {
  const problems = shapeProblems(job);
  if (problems.length > 0) return { problems, poisoned: false, referenceSlowestTestMs: null };
  let poisoned = false;
  if (job.generator) {
    const result = checkGenerator(engine, job, job.generator);
    problems.push(...result.problems);
    poisoned ||= result.poisoned;
  }
  const checked = checkTestCheckers(engine, job);
  problems.push(...checked.problems);
  poisoned ||= checked.poisoned;
  const submitJob = (code: string, language = job.language): RunJob => ({
    ...job,
    code,
    language,
    seed: CHECK_SEED,
    collectLogs: false,
    judgesHidden: true,
    reveal: true,
  });
  let referenceSlowestTestMs: number | null = null;
  if (job.solution !== null && problems.length === 0) {
    // Each test may take the whole budget here: how long the reference needs is what sets the limit.
    const result = judgeRun(engine, { ...submitJob(job.solution), testTimeoutMs: job.timeoutMs }, NO_EVENTS);
    poisoned ||= result.poisoned;
    if (result.run.verdict.status !== 'accepted') problems.push(solutionProblem(result.run.verdict));
    else referenceSlowestTestMs = result.run.slowestTestMs ?? null;
  }
  if (problems.length === 0) {
    // One time budget for every adversary together, so the whole check stays within three budgets.
    const deadline = performance.now() + job.timeoutMs;
    for (const adversary of adversaries(job)) {
      const result = judgeRun(engine, submitJob(adversary.code, 'javascript'), NO_EVENTS, deadline);
      poisoned ||= result.poisoned;
      if (result.run.verdict.status === 'accepted') {
        problems.push(
          `A solution that only memorises the visible tests' answers and returns ${adversary.fallback} ` +
            'for anything else is accepted: add hidden tests, or a generator, whose answers it cannot guess',
        );
        break;
      }
    }
  }
  return { problems, poisoned, referenceSlowestTestMs };
}

/**
 * A challenge asks for a function or for a class, not both: its tests all call it, or all drive it
 * through steps. Generated cases are calls, so a class challenge has no generator.
 */
function shapeProblems(job: CheckJob): string[] {
  const all = [...job.tests, ...job.hiddenTests];
  const classTests = all.filter(isSequenceTest).length;
  if (classTests === 0) return [];
  if (classTests < all.length) {
    return ['Mixed tests: give every test steps (a class challenge) or none of them (a function challenge)'];
  }
  return job.generator ? ['A class challenge has no generator: generated cases call a function'] : [];
}

/** Where a comparison with a checker sits: a call test, or one step of a class test. */
type CheckedExpectation = {
  where: string;
  args: JsonValue[];
  expected: JsonValue | undefined;
  checker: string;
};

function checkedExpectations(job: CheckJob): CheckedExpectation[] {
  const fixed: [TestKind, TestCase[]][] = [
    ['visible', job.tests],
    ['hidden', job.hiddenTests],
  ];
  return fixed.flatMap(([kind, tests]) =>
    tests.flatMap((test, index): CheckedExpectation[] => {
      const where = `${kind} test ${index + 1}`;
      if (!isSequenceTest(test)) {
        if (test.compare?.mode !== 'checker') return [];
        return [{ where, args: test.input, expected: test.expectedOutput, checker: test.compare.checker }];
      }
      return test.steps.flatMap((step, i) =>
        step.compare?.mode === 'checker'
          ? [
              {
                where: `${where}, step ${i + 1}`,
                args: step.args ?? [],
                expected: step.expectedOutput,
                checker: step.compare.checker,
              },
            ]
          : [],
      );
    }),
  );
}

/** A test with a checker of its own: the checker compiles and accepts the test's own expected output. */
function checkTestCheckers(engine: Engine, job: CheckJob) {
  const problems: string[] = [];
  const withChecker = checkedExpectations(job);
  if (withChecker.length === 0) return { problems, poisoned: false };
  const checker = Sandbox.checker(engine.mod, job.memoryMb, performance.now() + job.timeoutMs);
  try {
    for (const { where, args, expected, checker: source } of withChecker) {
      const encoded = encodeJson(expected);
      const r = checker.call('judgeWith', source, encodeJson(args), encoded, encoded);
      if (r.t === 'pass') continue;
      const why = r.t === 'fail' ? 'it returned false' : replyText(r);
      problems.push(`${where}: its checker does not accept its own expected output (${why})`);
    }
  } catch (error) {
    checker.dispose();
    throw error;
  }
  const released = checker.dispose();
  return { problems, poisoned: checker.poisoned || !released };
}

function checkGenerator(engine: Engine, job: CheckJob, generator: Generator) {
  const problems: string[] = [];
  const checker = Sandbox.checker(engine.mod, job.memoryMb, performance.now() + job.timeoutMs);
  try {
    const compiled = checker.call('compile', generator.outFn, generator.style ?? 'native');
    if (compiled.t === 'ready') {
      const fixed: [TestKind, TestCase[]][] = [
        ['visible', job.tests],
        ['hidden', job.hiddenTests],
      ];
      for (const [kind, tests] of fixed) {
        for (const [index, test] of tests.entries()) {
          // A test that expects a throw has no output for the checker to look at.
          if (isSequenceTest(test) || test.expectedError) continue;
          const r = checker.call('check', encodeJson(test.input), encodeJson(test.expectedOutput));
          if (r.t === 'pass') continue;
          const why = r.t === 'fail' ? 'it returned false' : replyText(r);
          problems.push(
            `${kind} test ${index + 1}: the expected output fails the generator's outFn (${why})`,
          );
        }
      }
    } else {
      problems.push(`The generator's outFn does not compile: ${replyText(compiled)}`);
    }
    for (let index = 0; index < generator.cases; index++) {
      const r = checker.call(
        'generate',
        caseSeed(CHECK_SEED, index),
        generator.inFn,
        generator.style ?? 'native',
      );
      if (r.t === 'value') continue;
      problems.push(`generated case ${index + 1} (seed ${CHECK_SEED}): inFn failed: ${replyText(r)}`);
      break;
    }
  } catch (error) {
    checker.dispose();
    throw error;
  }
  const released = checker.dispose();
  return { problems, poisoned: checker.poisoned || !released };
}

function solutionProblem(verdict: Verdict): string {
  const status = verdict.status.replaceAll('_', ' ');
  const f = verdict.firstFailure;
  if (!f) return `The reference solution fails: ${status}${verdict.message ? ` (${verdict.message})` : ''}`;
  const index = (f.index ?? 0) + 1;
  const step = f.step !== undefined ? `, step ${f.step + 1}` : '';
  const where =
    f.kind === 'generated'
      ? `generated case ${index} (seed ${CHECK_SEED})`
      : `${f.kind} test ${index}${step}`;
  const parts = [
    f.input !== undefined ? `input ${JSON.stringify(f.input)}` : '',
    f.expected !== undefined ? `expected ${JSON.stringify(f.expected)}` : '',
    f.actual !== undefined ? `got ${JSON.stringify(f.actual)}` : '',
    f.error ? `${f.error.name}: ${f.error.message}` : '',
    f.limit?.timeMs !== undefined ? `limit ${f.limit.timeMs} ms per ${f.limit.scope ?? 'test'}` : '',
  ].filter(Boolean);
  return `The reference solution fails ${where}: ${status}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}
