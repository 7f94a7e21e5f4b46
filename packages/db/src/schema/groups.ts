import { sql } from 'drizzle-orm';
import { check, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/**
 * A private league: a leaderboard among friends. Joined by `inviteCode` (random, URL-safe, unique);
 * rotating it replaces the code, so the old one stops working at once.
 */
export const groups = pgTable(
  'groups',
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    inviteCode: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('groups_invite_code_key').on(t.inviteCode)],
);

/**
 * Who is in which group. Exactly one `owner` per group (a partial unique index); a user's rows are
 * removed with the user (cascade), and a soft-deleted user is left out of the group's boards.
 */
export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid()
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text({ enum: ['owner', 'member'] })
      .notNull()
      .default('member'),
    joinedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.userId] }),
    // groups.list and the groups-per-user cap read a user's memberships
    index('group_members_user_idx').on(t.userId),
    uniqueIndex('group_members_one_owner_key').on(t.groupId).where(sql`${t.role} = 'owner'`),
    check('group_members_role_check', sql`${t.role} in ('owner', 'member')`),
  ],
);
