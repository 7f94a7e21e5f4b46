import { index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/**
 * An achievement a user earned (ids: ACHIEVEMENTS in @skillbytes/shared). The primary key makes the
 * award exactly-once: recordSubmission inserts with ON CONFLICT DO NOTHING RETURNING and announces only
 * the rows it got back.
 */
export const userAchievements = pgTable(
  'user_achievements',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    achievementId: text().notNull(),
    earnedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.achievementId] }),
    index('user_achievements_id_idx').on(t.achievementId),
  ],
);
