import { schema } from '@skillbytes/db';
import {
  type CalendarDay,
  type CalendarInput,
  type IdInput,
  type Language,
  LIMITS,
  type Page,
  type PageInput,
  type SubmissionsInput,
  type Verdict,
  type VerdictStatus,
} from '@skillbytes/shared';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Service, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { timeCursor } from '../lib/cursor.ts';
import { assignedOrCompletedBy } from './access.ts';
import { addDays } from '../lib/local-day.ts';
import { hintUsedBefore } from './hints.ts';
import {
  type ChallengeSummary,
  type CompletionState,
  challengeSummaryColumns,
  completionState,
  type PublicChallenge,
  publicChallengeColumns,
  toPublicChallenge,
} from './projection.ts';
import { FREEZES_MAX, streakColumns, streakDaysBetween, streakToday } from './streaks.ts';

const c = schema.challenges;
const cp = schema.completions;
const sub = schema.submissions;

/** A challenge the caller was assigned or completed (any status: it stays in their history once archived). */
export async function challengeForUser(
  svc: Service,
  { id }: z.output<typeof IdInput>,
): Promise<{ challenge: PublicChallenge } & CompletionState> {
  const userId = svc.caller.userId;
  const [row] = await svc.db
    .select({ ...publicChallengeColumns, completedAt: cp.awardedAt, pointsAwarded: cp.points })
    .from(c)
    .leftJoin(cp, and(eq(cp.challengeId, c.id), eq(cp.userId, userId)))
    .where(and(eq(c.id, id), assignedOrCompletedBy(userId)));
  if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  return { challenge: toPublicChallenge(row), ...completionState(row) };
}

export type CompletedChallenge = {
  challenge: ChallengeSummary;
  pointsAwarded: number;
  completedAt: Date;
  /** The caller's local date of the completion. */
  day: string;
};

/** The caller's completions, newest first (completions_user_awarded_idx). */
export async function completedChallenges(
  svc: Service,
  input: z.output<typeof PageInput>,
): Promise<Page<CompletedChallenge>> {
  const userId = svc.caller.userId;
  const after = timeCursor.decode(input.cursor);
  const rows = await svc.db
    .select({
      ...challengeSummaryColumns,
      pointsAwarded: cp.points,
      completedAt: cp.awardedAt,
      day: cp.day,
      cursorAt: sql<string>`${cp.awardedAt}::text`,
      cursorId: sql<string>`${cp.challengeId}::text`,
    })
    .from(cp)
    .innerJoin(c, eq(c.id, cp.challengeId))
    .where(
      and(
        eq(cp.userId, userId),
        after
          ? sql`(${cp.awardedAt}, ${cp.challengeId}) < (${after.at}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(cp.awardedAt), desc(cp.challengeId))
    .limit(input.limit + 1);
  const page = timeCursor.page(rows, input.limit, (r) => ({ at: r.cursorAt, id: r.cursorId }));
  return {
    items: page.rows.map((r) => ({
      challenge: {
        id: r.id,
        slug: r.slug,
        title: r.title,
        summary: r.summary,
        difficulty: r.difficulty,
        tags: r.tags,
        points: r.points,
      },
      pointsAwarded: r.pointsAwarded,
      completedAt: r.completedAt,
      day: r.day,
    })),
    nextCursor: page.nextCursor,
  };
}

export type SubmissionRecord = {
  id: string;
  challengeId: string;
  challengeTitle: string;
  code: string;
  /** The language the code was judged as. */
  language: Language;
  status: VerdictStatus;
  passed: number;
  total: number;
  verdict: Verdict;
  createdAt: Date;
  /** The hint had been opened before this submission (no penalty; shown so the user knows). */
  hintUsed: boolean;
};

/** The caller's own submissions, newest first, optionally for one challenge. Nobody else's, ever. */
export async function submissionHistory(
  svc: Service,
  input: z.output<typeof SubmissionsInput>,
): Promise<Page<SubmissionRecord>> {
  const userId = svc.caller.userId;
  const after = timeCursor.decode(input.cursor);
  const rows = await svc.db
    .select({
      id: sub.id,
      challengeId: sub.challengeId,
      challengeTitle: c.title,
      code: sub.code,
      language: sql<Language>`${sub.language}`,
      status: sql<VerdictStatus>`${sub.status}`,
      passed: sub.passed,
      total: sub.total,
      verdict: sub.verdict,
      createdAt: sub.createdAt,
      hintUsed: hintUsedBefore(sub),
      cursorAt: sql<string>`${sub.createdAt}::text`,
      cursorId: sql<string>`${sub.id}::text`,
    })
    .from(sub)
    .innerJoin(c, eq(c.id, sub.challengeId))
    .where(
      and(
        eq(sub.userId, userId),
        input.challengeId ? eq(sub.challengeId, input.challengeId) : undefined,
        after
          ? sql`(${sub.createdAt}, ${sub.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(sub.createdAt), desc(sub.id))
    .limit(input.limit + 1);
  const page = timeCursor.page(rows, input.limit, (r) => ({ at: r.cursorAt, id: r.cursorId }));
  return { items: page.rows.map(({ cursorAt: _a, cursorId: _i, ...r }) => r), nextCursor: page.nextCursor };
}

export type ChallengeStatusSummary = {
  completedIds: string[];
  points: number;
  currentStreak: number;
  bestStreak: number;
  freezes: { held: number; max: number };
};

const u = schema.users;

/** The caller's streak row (not deleted), or USER_NOT_FOUND. */
async function streakRowOf(svc: Service) {
  const [user] = await svc.db
    .select({ ...streakColumns, points: u.points })
    .from(u)
    .where(and(eq(u.id, svc.caller.userId), isNull(u.deletedAt)));
  if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user');
  return user;
}

/**
 * Completed ids (newest first), points, streaks and freezes as of the caller's local today: missed days
 * since the last completion already spent their freezes, or broke the streak (streaks.ts).
 */
export async function challengeStatus(svc: Service): Promise<ChallengeStatusSummary> {
  const user = await streakRowOf(svc);
  const completed = await svc.db
    .select({ id: cp.challengeId })
    .from(cp)
    .where(eq(cp.userId, svc.caller.userId))
    .orderBy(desc(cp.awardedAt), desc(cp.challengeId));
  const streak = streakToday(user, svc.now);
  return {
    completedIds: completed.map((r) => r.id),
    points: user.points,
    currentStreak: streak.current,
    bestStreak: streak.best,
    freezes: { held: streak.freezes, max: FREEZES_MAX },
  };
}

/** Whole days from `from` to `to`, both included. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
}

/** The range asked for, its missing ends filled in from the caller's today, or CALENDAR_RANGE_INVALID. */
function calendarRange(input: z.output<typeof CalendarInput>, today: string): { from: string; to: string } {
  const to = input.to ?? today;
  const from = input.from ?? addDays(to, -(LIMITS.calendarDaysDefault - 1));
  if (from > to) throw new DomainError('CALENDAR_RANGE_INVALID', '`from` is after `to`');
  if (daysBetween(from, to) > LIMITS.calendarDaysMax) {
    throw new DomainError(
      'CALENDAR_RANGE_INVALID',
      `A calendar covers at most ${LIMITS.calendarDaysMax} days`,
      { maxDays: LIMITS.calendarDaysMax },
    );
  }
  return { from, to };
}

/**
 * The caller's practice, one entry per local day from `from` to `to` (oldest first): assigned, solved,
 * frozen. Two range reads by primary key (daily_assignments, streak_days), so the cost is the range's;
 * the missed days since the last completion that freezes cover (not rows until the next completion)
 * are computed as `challenges.status` computes them.
 */
export async function activityCalendar(
  svc: Service,
  input: z.output<typeof CalendarInput>,
): Promise<{ days: CalendarDay[] }> {
  const userId = svc.caller.userId;
  const user = await streakRowOf(svc);
  const streak = streakToday(user, svc.now);
  const { from, to } = calendarRange(input, streak.today);
  const da = schema.dailyAssignments;
  const [assigned, counted] = await Promise.all([
    svc.db
      .select({ day: da.day })
      .from(da)
      .where(and(eq(da.userId, userId), sql`${da.day} between ${from}::date and ${to}::date`)),
    streakDaysBetween(svc.db, userId, from, to),
  ]);
  const assignedDays = new Set(assigned.map((r) => r.day));
  const kinds = new Map<string, string>(counted.map((r) => [r.day, r.kind]));
  for (const day of streak.frozen) kinds.set(day, 'frozen');
  // By count, not by comparing strings: the day after 9999-12-31 is no longer a YYYY-MM-DD string.
  const days = Array.from({ length: daysBetween(from, to) }, (_, i): CalendarDay => {
    const date = addDays(from, i);
    const kind = kinds.get(date);
    return { date, assigned: assignedDays.has(date), solved: kind === 'solved', frozen: kind === 'frozen' };
  });
  return { days };
}

export type Topic = { tag: string; count: number };

/** Tags of published challenges with how many use each, most used first. */
export async function topics(svc: ServiceContext): Promise<Topic[]> {
  const result = await svc.db.execute<{ tag: string; count: number }>(sql`
    select t.tag, count(*)::int as count
    from ${c} ch cross join lateral unnest(ch.tags) as t(tag)
    where ch.status = 'published'
    group by t.tag
    order by count(*) desc, t.tag asc
  `);
  return result.rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
}
