import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/**
 * Admin messages. A broadcast is one row (`recipientId` null) seen by every account that existed
 * when it was sent; nothing is written per user until that user reads or deletes it.
 */
export const messages = pgTable(
  'messages',
  {
    id: uuid().primaryKey().defaultRandom(),
    content: text().notNull(),
    icon: text().notNull().default('📢'),
    bannerColor: text().notNull().default('#2821fc'),
    recipientId: uuid().references(() => users.id, { onDelete: 'cascade' }),
    senderId: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('messages_recipient_idx').on(t.recipientId, t.createdAt.desc(), t.id.desc()),
    index('messages_broadcast_idx').on(t.createdAt.desc(), t.id.desc()).where(sql`${t.recipientId} is null`),
  ],
);

export const inboxState = pgTable(
  'inbox_state',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    messageId: uuid()
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    readAt: timestamp({ withTimezone: true }),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.messageId] })],
);

/** `markRead({all: true})`: every message created at or before this instant counts as read. */
export const inboxReadMarks = pgTable('inbox_read_marks', {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  readThrough: timestamp({ withTimezone: true }).notNull(),
});

/**
 * The real-time event log: every pushable event is a row whose id is the SSE `tracked()` id, so a
 * reconnecting client replays what it missed. NOTIFY carries only the id.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    type: text().notNull(),
    /** null: for everyone. */
    userId: uuid(),
    payload: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('events_created_at_idx').on(t.createdAt), index('events_user_idx').on(t.userId, t.id)],
);
