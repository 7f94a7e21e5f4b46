import { schema } from '@skillbytes/db';
import { Email } from '@skillbytes/shared';
import { and, count, eq, isNull, ne, or, isNotNull, sql } from 'drizzle-orm';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { assertStrongPassword, hashPassword } from './passwords.ts';

const u = schema.users;

/** Serialises every change that could remove an admin (demotion, deletion). */
const ADMIN_ROLES_LOCK = 727_164_101;

/**
 * Takes the transaction-scoped lock (`svc.db`: the transaction) that orders role changes and admin
 * deletions. Take it before any user row lock (setRole does it first thing) so lock order is always
 * the same.
 */
export async function lockAdminRoles(svc: Pick<ServiceContext, 'db'>): Promise<void> {
  await svc.db.execute(sql`select pg_advisory_xact_lock(${ADMIN_ROLES_LOCK})`);
}

/**
 * Refuses to take away the last active admin. Under the admin-roles lock, so two admins demoting each
 * other at once cannot both succeed: the second one counts after the first committed.
 */
export async function assertKeepsAnAdmin(
  svc: Pick<ServiceContext, 'db'>,
  leavingUserId: string,
): Promise<void> {
  await lockAdminRoles(svc);
  const [row] = await svc.db
    .select({ others: count() })
    .from(u)
    .where(and(eq(u.role, 'admin'), isNull(u.deletedAt), ne(u.id, leavingUserId)));
  if (!row || row.others === 0) {
    throw new DomainError('LAST_ADMIN', 'This is the last admin: promote someone else first');
  }
}

export type EnsureAdminResult = 'created' | 'promoted' | 'unchanged';

/**
 * `ADMIN_EMAIL`/`ADMIN_PASSWORD`: makes sure this admin exists, at every start. Idempotent, and safe
 * when several processes start at once (the insert does nothing on a conflicting email). An existing
 * account keeps its password (it may have been changed since); it is made admin and undeleted.
 */
export async function ensureAdmin(
  svc: Pick<ServiceContext, 'db' | 'logger' | 'now'>,
  admin: { email: string; password: string },
): Promise<EnsureAdminResult> {
  const { now } = svc;
  const email = Email.parse(admin.email);
  try {
    assertStrongPassword(admin.password, { email });
  } catch (error) {
    const reason = error instanceof DomainError ? error.message : String(error);
    throw new Error(`ADMIN_PASSWORD is refused: ${reason}`);
  }
  const passwordHash = await hashPassword(admin.password);
  return svc.db.transaction(async (tx) => {
    // Start-up, not a request: no address or user agent to record.
    const inTx = { db: tx, ip: null, userAgent: null, logger: svc.logger };
    const [created] = await tx
      .insert(u)
      .values({ email, passwordHash, role: 'admin', createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: u.email })
      .returning({ id: u.id });
    if (created) {
      await audit(inTx, {
        action: 'user_created',
        at: now,
        target: created.id,
        metadata: { role: 'admin', source: 'ADMIN_EMAIL' },
      });
      return 'created';
    }
    const [promoted] = await tx
      .update(u)
      .set({ role: 'admin', deletedAt: null, updatedAt: now })
      .where(and(eq(u.email, email), or(ne(u.role, 'admin'), isNotNull(u.deletedAt))))
      .returning({ id: u.id });
    if (promoted) {
      await audit(inTx, {
        action: 'authz_change',
        at: now,
        target: promoted.id,
        metadata: { role: 'admin', source: 'ADMIN_EMAIL' },
      });
      return 'promoted';
    }
    return 'unchanged';
  });
}
