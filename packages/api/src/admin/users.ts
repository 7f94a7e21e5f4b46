import { schema } from '@skillbytes/db';
import {
  ACHIEVEMENTS,
  type AdminUserRef,
  type AdminUsersListInput,
  type IdInput,
  type Page,
  type PasswordResetLink,
  type Role,
  type SetRoleInput,
} from '@skillbytes/shared';
import { and, count, desc, eq, gt, ilike, isNull, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { assertKeepsAnAdmin, lockAdminRoles } from '../auth/admins.ts';
import { actorOf, audit } from '../auth/audit.ts';
import { createResetLink } from '../auth/password-reset.ts';
import { revokeSessions } from '../auth/sessions.ts';
import { type StreakRow, streakColumns, streakToday } from '../challenges/streaks.ts';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { timeCursor } from '../lib/cursor.ts';
import { isUuid } from '../lib/uuid.ts';

const u = schema.users;
const ua = schema.userAchievements;
const s = schema.sessions;
const k = schema.apiKeys;

/** What admins see of an account: no password hash. */
const adminColumns = {
  id: u.id,
  email: u.email,
  username: u.username,
  name: u.name,
  role: u.role,
  points: u.points,
  ...streakColumns,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
  deletedAt: u.deletedAt,
};

type AdminRow = {
  [K in Exclude<keyof typeof adminColumns, keyof typeof streakColumns>]: (typeof u.$inferSelect)[K];
} & StreakRow;

/** An account as admins see it at `now`: the streak as of the user's local today, as auth.me shows it. */
function toAdminUser(row: AdminRow, now: Date): AdminUser {
  const streak = streakToday(row, now);
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    name: row.name,
    role: row.role,
    points: row.points,
    currentStreak: streak.current,
    bestStreak: streak.best,
    freezesHeld: streak.freezes,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

export type AdminUser = {
  id: string;
  email: string;
  username: string | null;
  name: string | null;
  role: Role;
  points: number;
  /** As of the user's local today (0 after a missed day no freeze covered). */
  currentStreak: number;
  bestStreak: number;
  /** Streak freezes held as of today. */
  freezesHeld: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
};

const achievementTitle = (id: string) => ACHIEVEMENTS.find((a) => a.id === id)?.title ?? id;

const userNotFound = () => new DomainError('USER_NOT_FOUND', 'No such user');
/** Newest accounts first; `query` matches email, username or name (substring, any case) or an exact id. */
export async function listUsers(
  svc: Service,
  input: z.output<typeof AdminUsersListInput>,
): Promise<Page<AdminUser>> {
  const q = input.query?.trim();
  const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const after = timeCursor.decode(input.cursor);
  const rows = await svc.db
    .select({ ...adminColumns, cursorAt: sql<string>`${u.createdAt}::text` })
    .from(u)
    .where(
      and(
        pattern
          ? or(
              ilike(u.email, pattern),
              ilike(u.username, pattern),
              ilike(u.name, pattern),
              q && isUuid(q) ? eq(u.id, q.toLowerCase()) : undefined,
            )
          : undefined,
        after ? sql`(${u.createdAt}, ${u.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(u.createdAt), desc(u.id))
    .limit(input.limit + 1);
  const page = timeCursor.page(rows, input.limit, (r) => ({ at: r.cursorAt, id: r.id }));
  return {
    items: page.rows.map(({ cursorAt: _c, ...user }) => toAdminUser(user, svc.now)),
    nextCursor: page.nextCursor,
  };
}

/** One account by id or username (deleted ones too, marked), with its active sessions and keys. */
export async function getUser(svc: Service, ref: z.output<typeof AdminUserRef>) {
  const { db, now } = svc;
  const [user] = await db
    .select(adminColumns)
    .from(u)
    .where('id' in ref ? eq(u.id, ref.id) : sql`lower(${u.username}) = lower(${ref.username})`)
    .limit(1);
  if (!user) throw userNotFound();
  const [sessions] = await db
    .select({ n: count() })
    .from(s)
    .where(and(eq(s.userId, user.id), isNull(s.revokedAt), gt(s.expiresAt, now)));
  const [keys] = await db
    .select({ n: count() })
    .from(k)
    .where(and(eq(k.userId, user.id), isNull(k.revokedAt), or(isNull(k.expiresAt), gt(k.expiresAt, now))));
  const earned = await db
    .select({ id: ua.achievementId, earnedAt: ua.earnedAt })
    .from(ua)
    .where(eq(ua.userId, user.id))
    .orderBy(ua.earnedAt, ua.achievementId);
  const [hints] = await db
    .select({ n: count() })
    .from(schema.hintUses)
    .where(eq(schema.hintUses.userId, user.id));
  return {
    ...toAdminUser(user, now),
    activeSessions: sessions?.n ?? 0,
    activeApiKeys: keys?.n ?? 0,
    hintsUsed: hints?.n ?? 0,
    /** Earned achievements, oldest first, with their titles. */
    achievements: earned.map((a) => ({ ...a, title: achievementTitle(a.id) })),
  };
}

/**
 * Changes an account's role. A real change signs the user out everywhere (their tokens carried the old
 * role; privileges change ⇒ new session). The last admin cannot be demoted (LAST_ADMIN).
 */
export async function setRole(
  svc: Service,
  input: z.output<typeof SetRoleInput>,
): Promise<AdminUser & { changed: boolean }> {
  const { now } = svc;
  return svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    await lockAdminRoles(inTx);
    const [target] = await tx
      .select({ role: u.role, deletedAt: u.deletedAt })
      .from(u)
      .where(eq(u.id, input.id))
      .for('update');
    if (!target || target.deletedAt) throw userNotFound();
    let changed = false;
    if (target.role !== input.role) {
      if (target.role === 'admin') await assertKeepsAnAdmin(inTx, input.id);
      await tx.update(u).set({ role: input.role, updatedAt: now }).where(eq(u.id, input.id));
      const revoked = await revokeSessions(inTx, { userId: input.id, reason: 'role_change' });
      await audit(inTx, {
        action: 'authz_change',
        at: now,
        ...actorOf(svc.caller),
        target: input.id,
        metadata: { from: target.role, to: input.role, revokedSessions: revoked.length },
      });
      changed = true;
    }
    const [user] = await tx.select(adminColumns).from(u).where(eq(u.id, input.id));
    if (!user) throw userNotFound();
    return { ...toAdminUser(user, now), changed };
  });
}

/** Signs a user out of every device (ASVS 7.4.5). */
export async function revokeUserSessions(svc: Service, { id: userId }: z.output<typeof IdInput>) {
  return svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const [target] = await tx.select({ id: u.id }).from(u).where(eq(u.id, userId));
    if (!target) throw userNotFound();
    const revoked = await revokeSessions(inTx, { userId, reason: 'admin_revoke' });
    await audit(inTx, {
      action: 'session_revoked',
      at: svc.now,
      ...actorOf(svc.caller),
      target: userId,
      metadata: { revokedSessions: revoked.length, byAdmin: true },
    });
    return { revoked: revoked.length };
  });
}

/**
 * A one-time password reset link for a live account, for the admin to hand over (no mail server
 * needed). It works for 30 minutes and ends the user's older unused links. Deleted users: NOT_FOUND.
 */
export async function issuePasswordReset(
  svc: Service,
  { id: userId }: z.output<typeof IdInput>,
): Promise<PasswordResetLink> {
  return svc.db.transaction(async (tx) => {
    const link = await createResetLink({ ...svc, db: tx }, { userId, issuedBy: svc.caller.userId });
    if (!link) throw userNotFound();
    return { url: link.url, expiresAt: link.expiresAt };
  });
}
