import { schema } from '@skillbytes/db';
import { and, eq, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { ServiceContext } from '../context.ts';

const u = schema.users;

/** Accounts deleted before this instant are past the grace period: gone, no longer restorable. */
export function graceCutoff(svc: Pick<ServiceContext, 'config' | 'now'>): Date {
  return new Date(svc.now.getTime() - svc.config.deletionGraceDays * 86_400_000);
}

/**
 * An account deleted longer ago than the grace period is gone for good: it frees its email and username
 * when someone claims them (here rather than in a background job). Runs in the caller's transaction.
 */
export async function purgeGoneAccounts(
  svc: Pick<ServiceContext, 'db' | 'config' | 'now'>,
  claimed: { email?: string; username?: string },
): Promise<void> {
  if (!claimed.email && !claimed.username) return;
  await svc.db
    .delete(u)
    .where(
      and(
        isNotNull(u.deletedAt),
        lt(u.deletedAt, graceCutoff(svc)),
        or(
          claimed.email ? eq(u.email, claimed.email) : undefined,
          claimed.username ? sql`lower(${u.username}) = lower(${claimed.username})` : undefined,
        ),
      ),
    );
}
