import { schema } from '@skillbytes/db';
import type { Language, Profile } from '@skillbytes/shared';

/** The columns of `auth.me`: never the password hash or deletion state. */
export const profileColumns = {
  id: schema.users.id,
  email: schema.users.email,
  username: schema.users.username,
  name: schema.users.name,
  role: schema.users.role,
  preferences: schema.users.preferences,
  language: schema.users.language,
  timezone: schema.users.timezone,
  points: schema.users.points,
  currentStreak: schema.users.currentStreak,
  bestStreak: schema.users.bestStreak,
  createdAt: schema.users.createdAt,
};

export function toProfile(
  row: { [K in keyof typeof profileColumns]: (typeof schema.users.$inferSelect)[K] },
): Profile {
  return { ...row, language: row.language as Language };
}
