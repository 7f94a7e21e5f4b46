import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** OWASP logging vocabulary: authn_login_success, authz_admin, ... */
    action: text().notNull(),
    outcome: text({ enum: ['success', 'failure'] })
      .notNull()
      .default('success'),
    actorUserId: uuid(),
    actorKeyId: text(),
    target: text(),
    ip: text(),
    userAgent: text(),
    /** SHA-256 of the session id, enough for a timeline without exposing it. */
    sessionHash: text(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_actor_idx').on(t.actorUserId, t.at),
    index('audit_log_action_idx').on(t.action, t.at),
  ],
);
