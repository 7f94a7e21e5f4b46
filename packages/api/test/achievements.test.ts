import { readdirSync, readFileSync } from 'node:fs';
import { schema } from '@skillbytes/db';
import { ACHIEVEMENTS, type AchievementId, type Language } from '@skillbytes/shared';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSubmission } from '../src/challenges/submit.ts';
import { insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi, unusedJudge } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ judge: unusedJudge });
});
afterAll(() => api?.close());

type Difficulty = 'beginner' | 'easy' | 'medium' | 'hard';

/** A new challenge, accepted for this user at the clock's time, as the judge would have left it. */
async function solve(
  userId: string,
  opts: { difficulty?: Difficulty; language?: Language; challengeId?: string } = {},
) {
  const challengeId =
    opts.challengeId ??
    (await insertChallenge(api.database.db, { difficulty: opts.difficulty ?? 'easy' })).id;
  return recordSubmission(api.services, {
    userId,
    challengeId,
    points: 10,
    code: '// accepted',
    language: opts.language ?? 'javascript',
    verdict: { status: 'accepted', passed: 3, total: 3, durationMs: 2 },
    seed: 7,
    judgeVersion: 'test',
    durationMs: 1,
    at: api.clock.now(),
  });
}

async function earned(user: { id: string; role: 'user' | 'admin' }): Promise<AchievementId[]> {
  const list = await api.as(user).achievements.list();
  return list.filter((a) => a.earnedAt !== null).map((a) => a.id);
}

async function announcements(userId: string): Promise<string[]> {
  const rows = await api.database.db
    .select({ content: schema.messages.content })
    .from(schema.messages)
    .where(and(eq(schema.messages.recipientId, userId), eq(schema.messages.icon, '🏆')))
    .orderBy(schema.messages.createdAt);
  return rows.map((r) => r.content);
}

const titleOf = (id: AchievementId) => ACHIEVEMENTS.find((a) => a.id === id)!.title;

describe('achievements.list', () => {
  it('lists every achievement, none earned for a new user, with shared titles', async () => {
    const user = await api.createUser();
    const list = await api.as(user).achievements.list();
    expect(list.map((a) => a.id)).toEqual(ACHIEVEMENTS.map((a) => a.id));
    expect(list.every((a) => a.earnedAt === null && a.title.length > 0 && a.description.length > 0)).toBe(
      true,
    );
  });

  it('awards the first solve with the completion, announced once in the inbox', async () => {
    api.clock.set('2026-04-01T12:00:00Z');
    const user = await api.createUser();
    await solve(user.id);
    const list = await api.as(user).achievements.list();
    expect(list.find((a) => a.id === 'first_solve')!.earnedAt).toEqual(api.clock.now());
    expect(await earned(user)).toEqual(['first_solve']);
    // a second solve the same day earns nothing new and announces nothing
    await solve(user.id);
    expect(await announcements(user.id)).toEqual([expect.stringContaining(titleOf('first_solve'))]);
    const inbox = await api.as(user).inbox.list({});
    expect(inbox.items.map((m) => m.content)).toContain((await announcements(user.id))[0]);
  });

  it('awards 7/30/100-day streaks and 10/50/100 solves at exactly their thresholds', async () => {
    const user = await api.createUser();
    const expected = new Set<AchievementId>();
    const thresholds: Record<number, AchievementId[]> = {
      1: ['first_solve'],
      7: ['streak_7'],
      10: ['solves_10'],
      30: ['streak_30'],
      50: ['solves_50'],
      100: ['streak_100', 'solves_100'],
    };
    for (let day = 1; day <= 100; day++) {
      api.clock.set(new Date(Date.UTC(2026, 0, day, 12)));
      const result = await solve(user.id);
      expect(result.streak.current).toBe(day);
      for (const id of thresholds[day] ?? []) expected.add(id);
      if (thresholds[day] || day === 6 || day === 9 || day === 99) {
        expect(new Set(await earned(user))).toEqual(expected);
      }
    }
    expect((await announcements(user.id)).length).toBe(7);
  });

  it('a streak achievement reads the streak, not the number of solves', async () => {
    const user = await api.createUser();
    for (let i = 0; i < 7; i++) {
      api.clock.set(new Date(Date.UTC(2026, 5, 1 + 2 * i, 12)));
      await solve(user.id);
    }
    expect(await earned(user)).toEqual(['first_solve']);
  });

  it('awards a solve at every difficulty once the fourth difficulty is solved', async () => {
    const user = await api.createUser();
    for (const difficulty of ['beginner', 'easy', 'easy', 'medium'] as const)
      await solve(user.id, { difficulty });
    expect(await earned(user)).not.toContain('all_difficulties');
    await solve(user.id, { difficulty: 'hard' });
    expect(await earned(user)).toContain('all_difficulties');
  });

  it('awards the first TypeScript solve, not a JavaScript one', async () => {
    const user = await api.createUser();
    await solve(user.id, { language: 'javascript' });
    expect(await earned(user)).not.toContain('first_typescript');
    await solve(user.id, { language: 'typescript' });
    expect(await earned(user)).toContain('first_typescript');
  });

  it('awards once under concurrent submits of one challenge: one row, one inbox message', async () => {
    const user = await api.createUser();
    const challenge = await insertChallenge(api.database.db);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => solve(user.id, { challengeId: challenge.id, language: 'typescript' })),
    );
    expect(results.filter((r) => r.firstCompletion)).toHaveLength(1);
    const rows = await api.database.db
      .select()
      .from(schema.userAchievements)
      .where(eq(schema.userAchievements.userId, user.id));
    expect(rows.map((r) => r.achievementId).sort()).toEqual(['first_solve', 'first_typescript']);
    expect(await announcements(user.id)).toHaveLength(2);
  });

  it('awards once under concurrent submits of different challenges that cross a threshold together', async () => {
    const user = await api.createUser();
    for (let i = 0; i < 8; i++) await solve(user.id);
    const challenges = await Promise.all(Array.from({ length: 6 }, () => insertChallenge(api.database.db)));
    const results = await Promise.all(challenges.map((c) => solve(user.id, { challengeId: c.id })));
    expect(results.every((r) => r.firstCompletion)).toBe(true);
    const [count] = await api.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.userAchievements)
      .where(
        and(
          eq(schema.userAchievements.userId, user.id),
          eq(schema.userAchievements.achievementId, 'solves_10'),
        ),
      );
    expect(Number(count!.n)).toBe(1);
    const tens = (await announcements(user.id)).filter((m) => m.includes(titleOf('solves_10')));
    expect(tens).toHaveLength(1);
  });
});

describe('the achievements backfill migration', () => {
  const migrationsDir = new URL('../../db/drizzle/', import.meta.url);
  const file = readdirSync(migrationsDir).find((f) => f.endsWith('_achievements_backfill.sql'))!;
  const statements = readFileSync(new URL(file, migrationsDir), 'utf8').split('--> statement-breakpoint');
  const runBackfill = async () => {
    for (const statement of statements) await api.database.db.execute(sql.raw(statement));
  };

  /** A completion written straight to the tables, as rows from before achievements existed. */
  async function pastCompletion(userId: string, day: string, difficulty: Difficulty, language: Language) {
    const challenge = await insertChallenge(api.database.db, { difficulty });
    const at = new Date(`${day}T10:00:00Z`);
    const [submission] = await api.database.db
      .insert(schema.submissions)
      .values({
        userId,
        challengeId: challenge.id,
        code: '// old',
        language,
        status: 'accepted',
        passed: 1,
        total: 1,
        durationMs: 1,
        judgeVersion: 'old',
        verdict: { status: 'accepted', passed: 1, total: 1, durationMs: 1 },
        createdAt: at,
      })
      .returning();
    await api.database.db.insert(schema.completions).values({
      userId,
      challengeId: challenge.id,
      submissionId: submission!.id,
      points: 10,
      day,
      awardedAt: at,
    });
    return at;
  }

  it('awards past solves, difficulties, TypeScript and runs of days, with when each was met, and no messages', async () => {
    const user = await api.createUser();
    const difficulties: Difficulty[] = [
      'beginner',
      'easy',
      'medium',
      'hard',
      'easy',
      'easy',
      'easy',
      'easy',
      'easy',
      'easy',
    ];
    const times: Date[] = [];
    // days 1-3, a gap, then days 5-11: a 7-day run ending on the 10th completion
    const days = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11].map((d) => `2025-03-${String(d).padStart(2, '0')}`);
    for (const [i, day] of days.entries()) {
      times.push(await pastCompletion(user.id, day, difficulties[i]!, i === 2 ? 'typescript' : 'javascript'));
    }
    const legacy = await api.createUser({ bestStreak: 40 });
    const other = await api.createUser();
    await runBackfill();
    await runBackfill(); // again: nothing changes
    const list = await api.as(user).achievements.list();
    const at = Object.fromEntries(list.map((a) => [a.id, a.earnedAt]));
    expect(at).toEqual({
      first_solve: times[0],
      streak_7: times[9],
      streak_30: null,
      streak_100: null,
      solves_10: times[9],
      solves_50: null,
      solves_100: null,
      all_difficulties: times[3],
      first_typescript: times[2],
    });
    expect(await earned(legacy)).toEqual(['streak_7', 'streak_30']);
    expect(await earned(other)).toEqual([]);
    expect(await announcements(user.id)).toEqual([]);
  });

  it('leaves awards already made alone', async () => {
    const user = await api.createUser();
    api.clock.set('2026-08-01T12:00:00Z');
    await solve(user.id);
    const before = await api.as(user).achievements.list();
    await runBackfill();
    expect(await api.as(user).achievements.list()).toEqual(before);
  });
});
