import { schema } from '@skillbytes/db';
import { ACHIEVEMENTS, type Achievement } from '@skillbytes/shared';
import { eq } from 'drizzle-orm';
import type { Service } from '../context.ts';

const ua = schema.userAchievements;

/** Every achievement in ACHIEVEMENTS order, with when the caller earned it or null. */
export async function listAchievements(svc: Service): Promise<Achievement[]> {
  const rows = await svc.db
    .select({ id: ua.achievementId, earnedAt: ua.earnedAt })
    .from(ua)
    .where(eq(ua.userId, svc.caller.userId));
  const earned = new Map(rows.map((r) => [r.id, r.earnedAt]));
  return ACHIEVEMENTS.map((a) => ({ ...a, earnedAt: earned.get(a.id) ?? null }));
}
