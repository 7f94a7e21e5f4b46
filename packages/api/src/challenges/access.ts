import { schema } from '@skillbytes/db';
import { type SQL, sql } from 'drizzle-orm';

const c = schema.challenges;

/**
 * A user sees, runs and submits only challenges they were assigned (on any day) or completed, so the
 * pool cannot be browsed or farmed for points through guessed ids. Someone else's challenge, a draft
 * and an unknown id all answer the same NOT_FOUND. Both lookups are index-only on
 * daily_assignments_user_challenge_idx and the completions primary key.
 */
export function assignedOrCompletedBy(userId: string): SQL {
  return sql`(exists (
      select 1 from ${schema.dailyAssignments} da
      where da.user_id = ${userId}::uuid and da.challenge_id = ${c.id}
    ) or exists (
      select 1 from ${schema.completions} cp
      where cp.user_id = ${userId}::uuid and cp.challenge_id = ${c.id}
    ))`;
}
