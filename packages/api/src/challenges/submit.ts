import { type Database, schema } from '@skillbytes/db';
import type { AppCode, Language, SolutionInput, Verdict } from '@skillbytes/shared';
import { and, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { enforce, type Limit, refund } from '../auth/rate-limit.ts';
import type { Service, ServiceContext } from '../context.ts';
import { awardAchievements } from '../achievements/award.ts';
import { DomainError } from '../errors.ts';
import type { JudgeSpec } from '../judge/types.ts';
import { assignedOrCompletedBy } from './access.ts';
import { solutionLanguage } from './language.ts';
import { effectiveDay, monthStartUtc, weekStartUtc } from '../lib/local-day.ts';
import { lockedStreakRow, recordStreakDay, streakColumns, streakToday } from './streaks.ts';
import { dropFirstPages } from '../leaderboard/first-pages.ts';

type Solution = z.output<typeof SolutionInput>;

/** Judge budgets, in PostgreSQL so every process shares them (see DEFAULT_RATE_LIMITS). */
const budgets = {
  submit: (userId: string, challengeId: string) => `judge:submit:${userId}:${challengeId}`,
  run: (userId: string) => `judge:run:${userId}`,
};

type Streak = { current: number; best: number };

export type SubmitResult = {
  verdict: Verdict;
  submissionId: string;
  /** Points paid by this submission: the challenge's points on the first accepted one, else 0. */
  awarded: number;
  firstCompletion: boolean;
  streak: Streak;
};

const c = schema.challenges;

type JudgeableChallenge = JudgeSpec & {
  id: string;
  points: number;
  language: string;
  languages: string[];
  /** The user's `language`, read in the same statement. */
  preferredLanguage: string | null;
};

/**
 * A published challenge the user was assigned or completed, with what the judge needs, and the user's
 * language (for the default of solutionLanguage).
 */
async function judgeableChallenge(
  db: Database,
  userId: string,
  challengeId: string,
): Promise<JudgeableChallenge> {
  const u = schema.users;
  const [row] = await db
    .select({
      id: c.id,
      points: c.points,
      functionName: c.functionName,
      testTimeoutMs: c.testTimeLimitMs,
      tests: c.tests,
      hiddenTests: c.hiddenTests,
      generator: c.generator,
      language: c.language,
      languages: c.languages,
      preferredLanguage: sql<string | null>`(select ${u.language} from ${u} where ${u.id} = ${userId}::uuid)`,
    })
    .from(c)
    .where(and(eq(c.id, challengeId), eq(c.status, 'published'), assignedOrCompletedBy(userId)));
  if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  return row;
}

/** Judges the visible tests only and records nothing; console output comes back in `verdict.logs`. */
export async function runSolution(svc: Service, input: Solution): Promise<{ verdict: Verdict }> {
  const { db, config } = svc;
  const userId = svc.caller.userId;
  const ch = await judgeableChallenge(db, userId, input.challengeId);
  const language = solutionLanguage(input.language, ch);
  // Hidden tests and the generator never travel with a run, whatever the judge would do with them.
  const spec = {
    functionName: ch.functionName,
    testTimeoutMs: ch.testTimeoutMs,
    tests: ch.tests,
    hiddenTests: [],
    generator: null,
  };
  const { verdict } = await judgeWithin(
    svc,
    { bucket: budgets.run(userId), policy: config.rateLimits.runPerUser },
    () => svc.judge.judge(spec, input.code, 'run', { owner: userId, language }),
  );
  return { verdict };
}

/** Judge errors that are not a verdict: they teach nothing about the tests, so they cost no budget. */
const NO_VERDICT = new Set<AppCode>(['JUDGE_BUSY', 'JUDGE_UNAVAILABLE', 'CODE_TOO_LARGE']);

/** Spends one attempt of `limit`, judges, and gives the attempt back when no verdict came of it. */
async function judgeWithin<T>(svc: Service, limit: Limit, judged: () => Promise<T>): Promise<T> {
  await enforce(svc, limit);
  try {
    return await judged();
  } catch (error) {
    if (error instanceof DomainError && NO_VERDICT.has(error.appCode)) await refund(svc, limit);
    throw error;
  }
}

/**
 * Judges against every test, then records the submission and, on a first accept, pays for it. A judge
 * error (busy, unavailable, code too large) is thrown before anything is written: it is not a verdict.
 * Each submit spends one of the user's budget for this challenge (TOO_MANY_REQUESTS with `retryAfter`
 * when it is spent): a verdict is one bit about the hidden tests, and the budget keeps those bits slow.
 */
export async function submitSolution(svc: Service, input: Solution): Promise<SubmitResult> {
  const started = performance.now();
  const { db, config } = svc;
  const userId = svc.caller.userId;
  const ch = await judgeableChallenge(db, userId, input.challengeId);
  const language = solutionLanguage(input.language, ch);
  const { verdict, seed, durationMs } = await judgeWithin(
    svc,
    { bucket: budgets.submit(userId, ch.id), policy: config.rateLimits.submitPerChallenge },
    () => svc.judge.judge(ch, input.code, 'submit', { owner: userId, language }),
  );
  const result = await recordSubmission(svc, {
    userId,
    challengeId: ch.id,
    points: ch.points,
    code: input.code,
    language,
    verdict,
    durationMs,
    seed,
    judgeVersion: svc.judge.version,
    // The request's instant, not the verdict's: a timestamp taken after judging would show how long
    // the code ran on the hidden tests.
    at: svc.now,
  });
  await untilQuantum(started, config.judge.submitQuantumMs);
  return result;
}

/** Waits until a whole multiple of `quantumMs` has passed since `started` (at least one). */
async function untilQuantum(started: number, quantumMs: number): Promise<void> {
  if (quantumMs <= 0) return;
  const elapsed = performance.now() - started;
  const wait = Math.max(1, Math.ceil(elapsed / quantumMs)) * quantumMs - elapsed;
  await new Promise((resolve) => setTimeout(resolve, wait));
}

export type JudgedSubmission = {
  userId: string;
  challengeId: string;
  points: number;
  code: string;
  /** The language the code was judged as. */
  language: Language;
  verdict: Verdict;
  /** Time spent judging, for operators: never shown to the user on a submit. */
  durationMs: number;
  seed: number | null;
  judgeVersion: string;
  at: Date;
};

/**
 * One transaction: the submission row, and for an accepted one the completion. The completion's primary
 * key (user, challenge) is the guard: `ON CONFLICT DO NOTHING RETURNING` hands a row back to exactly one
 * of any number of concurrent first accepts, and only that one adds points (in SQL, `points + p`),
 * advances the streak, adds to the week's and the month's points and publishes `points.changed`.
 */
export async function recordSubmission(
  svc: Pick<ServiceContext, 'db' | 'events'>,
  s: JudgedSubmission,
): Promise<SubmitResult> {
  const u = schema.users;
  type Recorded = { submissionId: string; paid: { awarded: number; streak: Streak } | null };
  const result = await svc.db.transaction(async (tx): Promise<Recorded> => {
    const [submission] = await tx
      .insert(schema.submissions)
      .values({
        userId: s.userId,
        challengeId: s.challengeId,
        code: s.code,
        language: s.language,
        status: s.verdict.status,
        passed: s.verdict.passed,
        total: s.verdict.total,
        durationMs: Math.round(s.durationMs),
        seed: s.seed,
        judgeVersion: s.judgeVersion,
        verdict: s.verdict,
        createdAt: s.at,
      })
      .returning({ id: schema.submissions.id });
    const submissionId = submission!.id;
    if (s.verdict.status !== 'accepted') return { submissionId, paid: null };

    // The user's row locked first: their completions take turns, so a day counts once (streaks.ts).
    const user = await lockedStreakRow(tx, s.userId);
    if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user');
    const day = effectiveDay(s.at, user);
    const [completion] = await tx
      .insert(schema.completions)
      .values({
        userId: s.userId,
        challengeId: s.challengeId,
        submissionId,
        points: s.points,
        day,
        awardedAt: s.at,
      })
      .onConflictDoNothing()
      .returning({ points: schema.completions.points });
    if (!completion) return { submissionId, paid: null };

    const streak = await recordStreakDay(tx, s.userId, user, day);
    const [paid] = await tx
      .update(u)
      .set({ points: sql`${u.points} + ${completion.points}` })
      .where(eq(u.id, s.userId))
      .returning({ points: u.points });
    const wp = schema.weeklyPoints;
    await tx
      .insert(wp)
      .values({ weekStart: weekStartUtc(s.at), userId: s.userId, points: completion.points })
      .onConflictDoUpdate({
        target: [wp.weekStart, wp.userId],
        set: { points: sql`${wp.points} + excluded.points` },
      });
    // After weekly_points: the histograms' lock order (0016_monthly_points_histogram).
    const mp = schema.monthlyPoints;
    await tx
      .insert(mp)
      .values({ monthStart: monthStartUtc(s.at), userId: s.userId, points: completion.points })
      .onConflictDoUpdate({
        target: [mp.monthStart, mp.userId],
        set: { points: sql`${mp.points} + excluded.points` },
      });
    await awardAchievements(tx, svc.events, {
      userId: s.userId,
      language: s.language,
      streak: streak.current,
      at: s.at,
    });
    await svc.events.publish(tx, {
      type: 'points.changed',
      userId: s.userId,
      payload: { points: paid!.points, delta: completion.points },
    });
    return {
      submissionId,
      paid: { awarded: completion.points, streak },
    };
  });

  if (result.paid) {
    // This process's held first pages go now; the others' when the event reaches them.
    dropFirstPages(svc.events);
    return {
      verdict: s.verdict,
      submissionId: result.submissionId,
      awarded: result.paid.awarded,
      firstCompletion: true,
      streak: result.paid.streak,
    };
  }
  return {
    verdict: s.verdict,
    submissionId: result.submissionId,
    awarded: 0,
    firstCompletion: false,
    streak: await currentStreak(svc.db, s.userId, s.at),
  };
}

async function currentStreak(db: Database, userId: string, now: Date): Promise<Streak> {
  const u = schema.users;
  const [row] = await db.select(streakColumns).from(u).where(eq(u.id, userId));
  if (!row) return { current: 0, best: 0 };
  const { current, best } = streakToday(row, now);
  return { current, best };
}
