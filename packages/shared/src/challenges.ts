import { z } from 'zod';
import { Tag } from './auth.ts';
import { ChallengeStatus, Difficulty, Language, VerdictStatus } from './enums.ts';
import { LIMITS } from './limits.ts';
import { Cursor, PageDirection, PageInput } from './pagination.ts';
import { text } from './text.ts';
import { TaggedValue } from './values.ts';

export const Slug = text()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lowercase letters, digits and single dashes');

export const FunctionName = text()
  .trim()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'Must be a JavaScript identifier')
  .max(64);

const Source = (max: number) => text().min(1).max(max);

const isRegExp = (source: string) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
};

/**
 * A throw a test expects: any error, or one with this `name` and/or this exact `message` (or a
 * `messagePattern`, a regular expression the message must match).
 */
export const ExpectedError = z
  .object({
    name: text().trim().min(1).max(100).optional(),
    message: text().max(500).optional(),
    messagePattern: text().min(1).max(500).refine(isRegExp, 'Must be a valid regular expression').optional(),
  })
  .strict()
  .refine(
    (e) => e.message === undefined || e.messagePattern === undefined,
    'Give message or messagePattern, not both',
  );
export type ExpectedError = z.infer<typeof ExpectedError>;

/**
 * How a test's output is compared with `expectedOutput`; the default is exact deep equality (Maps
 * and Sets in any order; an expected -0 wants -0, an expected 0 takes either zero; a property whose
 * value is undefined counts as missing).
 * - `unordered`: the same elements in any order (arrays and Sets, compared as multisets);
 * - `approx`: numbers (also inside arrays, objects and Map values) within `abs` or `rel` of the
 *   expected ones (default 1e-9 each);
 * - `checker`: any output the `checker` accepts: a function body with `input` (the arguments),
 *   `output` and `expected` in scope, returning true, run in the checker's runtime.
 */
export const Comparison = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('unordered') }).strict(),
  z
    .object({
      mode: z.literal('approx'),
      abs: z.number().min(0).max(1e6).optional(),
      rel: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z.object({ mode: z.literal('checker'), checker: Source(10_000) }).strict(),
]);
export type Comparison = z.infer<typeof Comparison>;

const Value = TaggedValue;
const Arguments = z.array(Value).max(32);

/**
 * One test of a function: the solution is called as `fn(...input)`, and either its return value is
 * compared with `expectedOutput` (as `compare` says) or it must throw as `expectedError` says.
 * Arguments and expected values, here and in class tests' steps, are author-form values (values.ts):
 * JSON, with tags for BigInt, Date, undefined, NaN, ±Infinity, -0, Map and Set.
 */
export const CallTest = z
  .object({
    input: Arguments,
    expectedOutput: Value.optional(),
    expectedError: ExpectedError.optional(),
    compare: Comparison.optional(),
  })
  .strict()
  .refine(
    (t) => (t.expectedOutput === undefined) !== (t.expectedError === undefined),
    'A test expects either an output (expectedOutput) or a throw (expectedError)',
  )
  .refine((t) => !(t.compare && t.expectedError), 'A test that expects a throw has no output to compare');
export type CallTest = z.infer<typeof CallTest>;

const MemberName = text().min(1).max(100);

/**
 * One step of a class test, on the test's one instance. Exactly one of:
 * - `new`: construct the class with these arguments (the first step, and only the first);
 * - `call`: call this method with `args` (default none);
 * - `get`: read this property;
 * - `iterate: true`: spread the instance (`[...instance]`), for classes that are iterable.
 * A step may expect an output (`expectedOutput`, compared as `compare` says) or a throw
 * (`expectedError`); a step with neither must simply not throw.
 */
export const Step = z
  .object({
    new: Arguments.optional(),
    call: MemberName.optional(),
    args: Arguments.optional(),
    get: MemberName.optional(),
    iterate: z.literal(true).optional(),
    expectedOutput: Value.optional(),
    expectedError: ExpectedError.optional(),
    compare: Comparison.optional(),
  })
  .strict()
  .refine(
    (s) => [s.new, s.call, s.get, s.iterate].filter((a) => a !== undefined).length === 1,
    'A step does exactly one of new, call, get or iterate',
  )
  .refine((s) => s.args === undefined || s.call !== undefined, 'Only a call step takes args')
  .refine(
    (s) => !(s.expectedOutput !== undefined && s.expectedError !== undefined),
    'A step expects an output or a throw, not both',
  )
  .refine((s) => !(s.new && s.expectedOutput !== undefined), 'Constructing has no output to expect')
  .refine(
    (s) => !(s.compare && s.expectedOutput === undefined),
    'Only a step that expects an output compares it',
  );
export type Step = z.infer<typeof Step>;

/**
 * A test of a class: steps on one instance, the first constructing it. A test whose constructor is
 * expected to throw has that one step.
 */
export const SequenceTest = z
  .object({ steps: z.array(Step).min(1).max(LIMITS.stepsMax) })
  .strict()
  .refine((t) => t.steps[0]?.new !== undefined, 'The first step constructs the instance (new)')
  .refine((t) => t.steps.slice(1).every((s) => s.new === undefined), 'Only the first step constructs (new)')
  .refine(
    (t) => t.steps[0]?.expectedError === undefined || t.steps.length === 1,
    'A constructor that must throw leaves no instance for further steps',
  )
  .refine(
    (t) => t.steps.some((s) => s.expectedOutput !== undefined || s.expectedError !== undefined),
    'A class test expects something: give at least one step an expectedOutput or expectedError',
  );
export type SequenceTest = z.infer<typeof SequenceTest>;

/** A challenge's tests all call its function, or all drive its class; `steps` tells them apart. */
export const TestCase = z.union([CallTest, SequenceTest]);
export type TestCase = z.infer<typeof TestCase>;

export function isSequenceTest(t: TestCase): t is SequenceTest {
  return 'steps' in t;
}

/**
 * Generated tests. `Math.random` is a seeded PRNG in both styles.
 * - `native` (the default): `inFn` is a script whose completion value is the argument array of one
 *   case; `outFn` is a function body with `input` (that array) and `output` (the returned value) in
 *   scope, returning true when `output` is right.
 * - `legacy` (DESIGN §6.1, the legacy browser's judge): `inFn`'s completion value is the single
 *   argument; `outFn` is a script run with `input` and `output` bound to the JSON text of the argument
 *   and of the returned value, and the case fails only when its completion value is `false`.
 */
export const GeneratorStyle = z.enum(['native', 'legacy']);
export type GeneratorStyle = z.infer<typeof GeneratorStyle>;

export const Generator = z
  .object({
    inFn: Source(10_000),
    outFn: Source(10_000),
    cases: z.number().int().min(1).max(LIMITS.generatedCasesMax),
    style: GeneratorStyle.optional(),
  })
  .strict();
export type Generator = z.infer<typeof Generator>;

/** What a challenge accepts unless it says otherwise: TypeScript is a superset, so any challenge takes both. */
export const DEFAULT_LANGUAGES: readonly Language[] = ['javascript', 'typescript'];

/** The languages a challenge accepts solutions in: at least one, each once. */
export const Languages = z
  .array(Language)
  .min(1)
  .max(Language.options.length)
  .refine((list) => new Set(list).size === list.length, 'Name each language once');

const challengeFields = {
  slug: Slug.optional(),
  title: text().trim().min(1).max(LIMITS.titleMax),
  summary: text().trim().min(1).max(500),
  description: text().trim().min(1).max(LIMITS.descriptionMax),
  difficulty: Difficulty,
  /** The language of the starter code and the reference solution; the challenge must accept it. */
  language: Language.default('javascript'),
  languages: Languages.default(() => [...DEFAULT_LANGUAGES]),
  tags: z.array(Tag).max(LIMITS.preferencesMax).default([]),
  points: z.number().int().min(1).max(1000),
  functionName: FunctionName,
  starterCode: text().max(LIMITS.codeMaxBytes).optional(),
  help: text().max(10_000).optional(),
  tests: z.array(TestCase).min(1).max(LIMITS.testsMax),
  hiddenTests: z.array(TestCase).max(LIMITS.testsMax).default([]),
  generator: Generator.optional(),
  /** Reference solution: when given it must pass every test; never shown to users. */
  solution: text().max(LIMITS.codeMaxBytes).optional(),
};

/** A challenge accepts the language its own starter code and reference solution are written in. */
export function acceptsOwnLanguage(c: { language: string; languages: readonly string[] }): boolean {
  return c.languages.includes(c.language);
}

export const OWN_LANGUAGE_PROBLEM =
  'languages must include language (the language of the starter code and reference solution)';

export const ChallengeCore = z
  .object(challengeFields)
  .strict()
  .refine(acceptsOwnLanguage, { message: OWN_LANGUAGE_PROBLEM, path: ['languages'] });
export type ChallengeCore = z.infer<typeof ChallengeCore>;

/**
 * A legacy test: `input` is the single argument (an array is one array argument). Both are read as
 * author-form values, as ours are: plain JSON means what it meant to the legacy judge.
 */
const LegacyTestCase = z.object({ input: TaggedValue, expectedOutput: TaggedValue }).strict();

/**
 * The legacy `admin/send-challenge` body, exactly as the legacy repository sends it (DESIGN §6.1):
 * `description` is the HTML statement, `content` the starter code, `selectorDescription` the one-line
 * summary, each test's `input` the single argument, `points` a number or a numeric string. The legacy
 * judge ran up to 1000 generated cases; ours runs at most LIMITS.generatedCasesMax of them. `slug`,
 * `hiddenTests` (legacy-shaped) and `solution` may be added on top.
 */
export const LegacyChallenge = z
  .object({
    title: text().trim().min(1).max(LIMITS.titleMax).optional(),
    description: text().trim().min(1).max(LIMITS.descriptionMax),
    selectorDescription: text().trim().min(1).max(500),
    difficulty: text().trim().toLowerCase().pipe(Difficulty),
    points: z
      .union([z.number(), text().trim().regex(/^\d+$/, 'Give a whole number').transform(Number)])
      .pipe(z.number().int().min(1).max(1000)),
    content: text().max(LIMITS.codeMaxBytes).optional(),
    functionName: FunctionName,
    testCases: z.array(LegacyTestCase).min(1).max(LIMITS.testsMax),
    generator: z
      .object({ inFn: Source(10_000), outFn: Source(10_000), cases: z.number().int().min(1).max(1000) })
      .strict()
      .optional(),
    tags: z.array(Tag).max(LIMITS.preferencesMax).default([]),
    help: text().max(10_000).optional(),
    slug: Slug.optional(),
    hiddenTests: z.array(LegacyTestCase).max(LIMITS.testsMax).default([]),
    solution: text().max(LIMITS.codeMaxBytes).optional(),
  })
  .strict();

const oneArgument = (t: z.output<typeof LegacyTestCase>): TestCase => ({
  input: [t.input],
  expectedOutput: t.expectedOutput,
});

export const ChallengeInput = z.union([
  ChallengeCore,
  LegacyChallenge.transform(
    (l): ChallengeCore => ({
      slug: l.slug,
      title: l.title ?? l.selectorDescription,
      summary: l.selectorDescription,
      description: l.description,
      difficulty: l.difficulty,
      language: 'javascript',
      languages: [...DEFAULT_LANGUAGES],
      tags: l.tags,
      points: l.points,
      functionName: l.functionName,
      starterCode: l.content,
      help: l.help,
      tests: l.testCases.map(oneArgument),
      hiddenTests: l.hiddenTests.map(oneArgument),
      generator: l.generator && {
        inFn: l.generator.inFn,
        outFn: l.generator.outFn,
        cases: Math.min(l.generator.cases, LIMITS.generatedCasesMax),
        style: 'legacy',
      },
      solution: l.solution,
    }),
  ),
]);
export type ChallengeInput = z.input<typeof ChallengeInput>;

/**
 * The branch of `ChallengeInput` a body is meant for, so a bad file's errors name its own fields
 * (a failed union reports both branches at once). Legacy bodies carry `selectorDescription` or
 * `testCases`.
 */
export function challengeSchemaFor(body: unknown): typeof ChallengeCore | typeof LegacyChallenge {
  const isLegacy =
    typeof body === 'object' &&
    body !== null &&
    ['selectorDescription', 'testCases'].some((k) => Object.hasOwn(body, k));
  return isLegacy ? LegacyChallenge : ChallengeCore;
}

export const ChallengeCreateInput = z
  .object({ challenge: ChallengeInput, publish: z.boolean().default(false) })
  .strict();
export type ChallengeCreateInput = z.input<typeof ChallengeCreateInput>;

export const ChallengeUpdateInput = z
  .object({
    id: z.uuid(),
    patch: z
      .object({
        ...challengeFields,
        // Without their defaults: an absent field in a patch means "unchanged", never "reset".
        language: Language.optional(),
        languages: Languages.optional(),
        tags: z.array(Tag).max(LIMITS.preferencesMax).optional(),
        hiddenTests: z.array(TestCase).max(LIMITS.testsMax).optional(),
      })
      .partial()
      .extend({
        generator: Generator.nullable().optional(),
        solution: text().max(LIMITS.codeMaxBytes).nullable().optional(),
      })
      .strict()
      .refine((patch) => Object.values(patch).some((v) => v !== undefined), 'Change at least one field'),
  })
  .strict();
export type ChallengeUpdateInput = z.input<typeof ChallengeUpdateInput>;

/** A challenge named by its id or its slug (the CLI takes either). */
export const ChallengeRef = z
  .object({ id: z.union([z.uuid(), Slug], { error: 'Give a challenge id (uuid) or slug' }) })
  .strict();
export type ChallengeRef = z.input<typeof ChallengeRef>;

export const ChallengeListInput = z
  .object({
    status: ChallengeStatus.optional(),
    query: text().trim().max(100).optional(),
    cursor: Cursor.nullish(),
    direction: PageDirection,
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict()
  .prefault({});
export type ChallengeListInput = z.input<typeof ChallengeListInput>;

/**
 * Code is bounded again by the judge's configured limit (CODE_TOO_LARGE); this cap only stops abuse early.
 * Without `language`, the user's preferred language when the challenge accepts it, else the challenge's own.
 */
export const SolutionInput = z
  .object({ challengeId: z.uuid(), code: text().max(LIMITS.codeMaxBytes * 4), language: Language.optional() })
  .strict();
export type SolutionInput = z.input<typeof SolutionInput>;

export const SubmissionsInput = z
  .object({
    challengeId: z.uuid().optional(),
    cursor: Cursor.nullish(),
    direction: PageDirection,
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict()
  .prefault({});
export type SubmissionsInput = z.input<typeof SubmissionsInput>;

/** `challenges.hint`: the hint of a challenge the caller can see. */
export const HintInput = z.object({ challengeId: z.uuid() }).strict();
export type HintInput = z.input<typeof HintInput>;

/** `challenges.solutions`: others' solutions of a challenge the caller solved, a page at a time. */
export const SolutionsInput = z
  .object({
    challengeId: z.uuid(),
    cursor: Cursor.nullish(),
    direction: PageDirection,
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type SolutionsInput = z.input<typeof SolutionsInput>;

/** `challenges.completed`: a page, or the first page when no input is given. */
export const CompletedInput = PageInput.prefault({});
export type CompletedInput = z.input<typeof CompletedInput>;

/**
 * A calendar date `YYYY-MM-DD` that exists (no 2026-02-30): a local day of the caller. Years 1000 to
 * 9999 only: four digits either side of any range the API computes, and dates PostgreSQL takes.
 */
export const LocalDate = text()
  .regex(/^[1-9]\d{3}-\d{2}-\d{2}$/, 'Expected a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'No such date');

/**
 * `challenges.calendar`: local days from `from` to `to` (both included), at most
 * LIMITS.calendarDaysMax of them; missing ends default to today and LIMITS.calendarDaysDefault days.
 * Ranges that depend on today are checked again by the API once it knows the caller's today.
 */
export const CalendarInput = z
  .object({ from: LocalDate.optional(), to: LocalDate.optional() })
  .strict()
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: '`from` is after `to`', path: ['from'] })
  .prefault({});
export type CalendarInput = z.input<typeof CalendarInput>;

export type CalendarDay = { date: string; assigned: boolean; solved: boolean; frozen: boolean };

export const TestKind = z.enum(['visible', 'hidden', 'generated']);
export type TestKind = z.infer<typeof TestKind>;

/**
 * What a judged run says. Visible tests are reported in full (`passed`/`total`, and the first failure's
 * input, expected and actual values). Of hidden and generated tests a verdict says only whether they
 * passed and, through `status`, how the first one failed: never which one, never a count or a timing
 * that the solution could steer (each would let code learn hidden answers across submits).
 */
export const Verdict = z.object({
  status: VerdictStatus,
  /** Visible tests passed, of `total` visible tests. */
  passed: z.number().int(),
  total: z.number().int(),
  /** Submit only: hidden and generated tests as one pass/fail; `not_run` when a visible test failed first. */
  hidden: z.enum(['passed', 'failed', 'not_run']).optional(),
  /** Run mode only (visible tests): time spent in the solution. Submits carry no timing. */
  durationMs: z.number().optional(),
  firstFailure: z
    .object({
      /** `hidden` covers generated tests too; only authoring checks tell them apart. */
      kind: TestKind,
      /** Visible tests only (and authoring checks). */
      index: z.number().int().optional(),
      /** Class tests: the 0-based step that failed (`input` then shows the steps up to it). */
      step: z.number().int().optional(),
      input: z.json().optional(),
      expected: z.json().optional(),
      actual: z.json().optional(),
      error: z.object({ name: z.string(), message: z.string() }).optional(),
      /** The limit that stopped the run: per test, or for the whole submission. */
      limit: z
        .object({
          timeMs: z.number().optional(),
          memoryMb: z.number().optional(),
          scope: z.enum(['test', 'submission']).optional(),
        })
        .optional(),
      /** Authoring checks only: the seed of a failing generated case. */
      seed: z.number().int().optional(),
    })
    .optional(),
  message: z.string().optional(),
  logs: z.string().optional(),
});
export type Verdict = z.infer<typeof Verdict>;
