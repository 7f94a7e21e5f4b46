import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/** Single-use recovery codes of an account with TOTP on: SHA-256 only, shown once by `auth.mfa.enable`. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('mfa_recovery_codes_user_id_idx').on(t.userId, t.codeHash)],
);

/**
 * The half-finished login of an account with TOTP on: `auth.login` proved the password and handed out
 * the token (stored as SHA-256 only); `auth.mfa.verify` spends it once, within its lifetime.
 */
export const mfaTokens = pgTable(
  'mfa_tokens',
  {
    tokenHash: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** How the login asked for its tokens: the session opened by verify is delivered the same way. */
    tokenDelivery: text({ enum: ['cookie', 'body'] }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    /** Wrong codes presented with this token; at the limit the token dies. */
    failures: integer().notNull().default(0),
  },
  (t) => [index('mfa_tokens_user_id_idx').on(t.userId), index('mfa_tokens_expires_at_idx').on(t.expiresAt)],
);
