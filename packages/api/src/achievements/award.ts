import { type Executor, schema } from '@skillbytes/db';
import {
  ACHIEVEMENTS,
  type AchievementId,
  type Language,
  SOLVE_ACHIEVEMENTS,
  STREAK_ACHIEVEMENTS,
} from '@skillbytes/shared';
import { eq, sql } from 'drizzle-orm';
import type { ServiceContext } from '../context.ts';

const ua = schema.userAchievements;
const cp = schema.completions;
const c = schema.challenges;

/** The difficulties `all_difficulties` asks for, one solve at each. */
const DIFFICULTY_COUNT = 4;

export type NewCompletion = {
  userId: string;
  /** The language the completing submission was judged as. */
  language: Language;
  /** The streak as the completion's update of the user row returned it. */
  streak: number;
  at: Date;
};

/**
 * Awards what a completion earned, inside the completion's transaction (after the user row update, so
 * concurrent completions of one user are serialised by its row lock and each counts the others'
 * committed completions). The primary key of user_achievements with ON CONFLICT DO NOTHING RETURNING
 * hands each achievement to exactly one transaction, and only that one announces it in the inbox.
 */
export async function awardAchievements(
  tx: Executor,
  events: ServiceContext['events'],
  done: NewCompletion,
): Promise<AchievementId[]> {
  const earned = await earnedBy(tx, done);
  if (earned.length === 0) return [];
  const added = await tx
    .insert(ua)
    .values(earned.map((achievementId) => ({ userId: done.userId, achievementId, earnedAt: done.at })))
    .onConflictDoNothing()
    .returning({ id: ua.achievementId });
  const ids = added.map((r) => r.id as AchievementId);
  for (const id of ids) await announce(tx, events, done, id);
  return ids;
}

/** Every achievement the user's completions so far meet (already held ones included). */
async function earnedBy(tx: Executor, done: NewCompletion): Promise<AchievementId[]> {
  const [facts] = await tx
    .select({
      solves: sql<number>`count(*)::int`.mapWith(Number),
      difficulties: sql<number>`count(distinct ${c.difficulty})::int`.mapWith(Number),
    })
    .from(cp)
    .innerJoin(c, eq(c.id, cp.challengeId))
    .where(eq(cp.userId, done.userId));
  const solves = facts?.solves ?? 0;
  return [
    ...SOLVE_ACHIEVEMENTS.filter(([n]) => solves >= n).map(([, id]) => id),
    ...STREAK_ACHIEVEMENTS.filter(([n]) => done.streak >= n).map(([, id]) => id),
    ...((facts?.difficulties ?? 0) >= DIFFICULTY_COUNT ? (['all_difficulties'] as const) : []),
    ...(done.language === 'typescript' ? (['first_typescript'] as const) : []),
  ];
}

/** A direct message to the user, published with the transaction like an admin's (inbox/messages.ts). */
async function announce(
  tx: Executor,
  events: ServiceContext['events'],
  done: NewCompletion,
  id: AchievementId,
): Promise<void> {
  const achievement = ACHIEVEMENTS.find((a) => a.id === id)!;
  const [message] = await tx
    .insert(schema.messages)
    .values({
      content: `Achievement unlocked: ${achievement.title}. ${achievement.description}`,
      icon: '🏆',
      bannerColor: '#2821fc',
      recipientId: done.userId,
      senderId: null,
      createdAt: done.at,
    })
    .returning();
  const row = message!;
  await events.publish(tx, {
    type: 'message.created',
    userId: done.userId,
    payload: {
      messageId: row.id,
      content: row.content,
      icon: row.icon,
      bannerColor: row.bannerColor,
      createdAt: row.createdAt.toISOString(),
    },
  });
}
