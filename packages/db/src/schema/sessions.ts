import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/** One row per login (device). The refresh secret is stored only as a SHA-256 hash. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    refreshHash: text().notNull(),
    /** Hash of the secret this one replaced: presenting it again is token reuse. */
    previousRefreshHash: text(),
    rotation: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    rotatedAt: timestamp({ withTimezone: true }),
    /** Absolute lifetime. */
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    revokedReason: text(),
    /** When this session's user last proved who they are (password or TOTP): the step-up window. */
    reauthenticatedAt: timestamp({ withTimezone: true }),
    userAgent: text(),
    ip: text(),
  },
  (t) => [
    index('sessions_user_id_idx').on(t.userId),
    index('sessions_active_user_idx').on(t.userId, t.createdAt).where(sql`${t.revokedAt} is null`),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    /** The public part of `sbk_<id>_<secret>`, used for lookup. */
    id: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    secretHash: text().notNull(),
    /** First characters of the key, shown in listings so a key can be recognised. */
    start: text().notNull(),
    scopes: text().array().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('api_keys_user_id_idx').on(t.userId)],
);

/** Fixed-window counters shared by every server process (login failures, signups, ...). */
export const rateLimits = pgTable(
  'rate_limits',
  {
    bucket: text().primaryKey(),
    hits: integer().notNull().default(0),
    windowStart: timestamp({ withTimezone: true }).notNull(),
    blockedUntil: timestamp({ withTimezone: true }),
  },
  (t) => [index('rate_limits_window_start_idx').on(t.windowStart)],
);

/**
 * One-time password reset links (admin-issued or mailed). Only the SHA-256 of the 256-bit token is
 * kept; a link is good for 30 minutes and burns on use. Issuing a new one for a user ends the older
 * unused ones (`used_at` set, nothing else), so at most one link per user works at a time.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    /** The admin who issued the link; null for a self-service (mailed) one. */
    issuedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    unique('password_resets_token_hash_key').on(t.tokenHash),
    index('password_resets_user_id_idx').on(t.userId).where(sql`${t.usedAt} is null`),
    index('password_resets_issued_by_idx').on(t.issuedBy),
  ],
);
