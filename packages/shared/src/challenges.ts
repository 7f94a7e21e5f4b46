import { z } from 'zod';
import { Tag } from './auth.ts';
import { ChallengeStatus, Difficulty, Language, VerdictStatus } from './enums.ts';
import { LIMITS } from './limits.ts';
import { Cursor, PageInput } from './pagination.ts';
import { text } from './text.ts';

export const Slug = text()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lowercase letters, digits and single dashes');

export const FunctionName = text()
  .trim()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'Must be a JavaScript identifier')
  .max(64);

/** One test: the solution is called as `fn(...input)` and its return value compared with `expectedOutput`. */
export const TestCase = z
  .object({
    input: z.array(z.json()).max(32),
    expectedOutput: z.json(),
  })
  .strict();
export type TestCase = z.infer<typeof TestCase>;

const Source = (max: number) => text().min(1).max(max);

/**
 * The legacy generator: `inFn` is a script whose completion value is the argument array of one case
 * (`Math.random` is a seeded PRNG); `outFn` is a function body with `input` and `output` in scope that
 * returns true when `output` is right for `input`.
 */
export const Generator = z
  .object({
    inFn: Source(10_000),
    outFn: Source(10_000),
    cases: z.number().int().min(1).max(LIMITS.generatedCasesMax),
  })
  .strict();
export type Generator = z.infer<typeof Generator>;

const challengeFields = {
  slug: Slug.optional(),
  title: text().trim().min(1).max(LIMITS.titleMax),
  summary: text().trim().min(1).max(500),
  description: text().trim().min(1).max(LIMITS.descriptionMax),
  difficulty: Difficulty,
  language: Language.default('javascript'),
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

export const ChallengeCore = z.object(challengeFields).strict();
export type ChallengeCore = z.infer<typeof ChallengeCore>;

/** The legacy `admin/send-challenge` body. */
export const LegacyChallenge = z
  .object({
    title: text().trim().min(1).max(LIMITS.titleMax).optional(),
    selectorDescription: text().trim().min(1).max(500),
    content: text().trim().min(1).max(LIMITS.descriptionMax),
    testCases: z.array(TestCase).min(1).max(LIMITS.testsMax),
    generator: Generator.optional(),
    functionName: FunctionName,
    help: text().max(10_000).optional(),
    tags: z.array(Tag).max(LIMITS.preferencesMax).default([]),
    points: z.number().int().min(1).max(1000),
    difficulty: text().trim().toLowerCase().pipe(Difficulty),
    slug: Slug.optional(),
    hiddenTests: z.array(TestCase).max(LIMITS.testsMax).default([]),
    solution: text().max(LIMITS.codeMaxBytes).optional(),
    starterCode: text().max(LIMITS.codeMaxBytes).optional(),
  })
  .strict();

export const ChallengeInput = z.union([
  ChallengeCore,
  LegacyChallenge.transform(
    (l): ChallengeCore => ({
      slug: l.slug,
      title: l.title ?? l.selectorDescription,
      summary: l.selectorDescription,
      description: l.content,
      difficulty: l.difficulty,
      language: 'javascript',
      tags: l.tags,
      points: l.points,
      functionName: l.functionName,
      starterCode: l.starterCode,
      help: l.help,
      tests: l.testCases,
      hiddenTests: l.hiddenTests,
      generator: l.generator,
      solution: l.solution,
    }),
  ),
]);
export type ChallengeInput = z.input<typeof ChallengeInput>;

/**
 * The branch of `ChallengeInput` a body is meant for, so a bad file's errors name its own fields
 * (a failed union reports both branches at once). Legacy bodies carry `selectorDescription`, `testCases`
 * or `content`.
 */
export function challengeSchemaFor(body: unknown): typeof ChallengeCore | typeof LegacyChallenge {
  const isLegacy =
    typeof body === 'object' &&
    body !== null &&
    ['selectorDescription', 'testCases', 'content'].some((k) => Object.hasOwn(body, k));
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
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict()
  .prefault({});
export type ChallengeListInput = z.input<typeof ChallengeListInput>;

/** Code is bounded again by the judge's configured limit (CODE_TOO_LARGE); this cap only stops abuse early. */
export const SolutionInput = z
  .object({ challengeId: z.uuid(), code: text().max(LIMITS.codeMaxBytes * 4) })
  .strict();
export type SolutionInput = z.input<typeof SolutionInput>;

export const SubmissionsInput = z
  .object({
    challengeId: z.uuid().optional(),
    cursor: Cursor.nullish(),
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict()
  .prefault({});
export type SubmissionsInput = z.input<typeof SubmissionsInput>;

/** `challenges.completed`: a page, or the first page when no input is given. */
export const CompletedInput = PageInput.prefault({});
export type CompletedInput = z.input<typeof CompletedInput>;

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
