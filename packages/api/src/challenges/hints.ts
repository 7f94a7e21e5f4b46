import { schema } from '@skillbytes/db';
import type { HintInput } from '@skillbytes/shared';
import { and, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { assignedOrCompletedBy } from './access.ts';

const c = schema.challenges;
const hu = schema.hintUses;

/**
 * The hint of a challenge the caller can see (the same NOT_FOUND as byId otherwise). The first opening
 * is kept, once however many calls race (the primary key and ON CONFLICT DO NOTHING), so the history
 * can tell which submissions came after it.
 */
export async function openHint(
  svc: Service,
  { challengeId }: z.output<typeof HintInput>,
): Promise<{ hint: string }> {
  const userId = svc.caller.userId;
  const [row] = await svc.db
    .select({ help: c.help })
    .from(c)
    .where(and(eq(c.id, challengeId), assignedOrCompletedBy(userId)));
  if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  if (row.help === null) throw new DomainError('NO_HINT', 'This challenge has no hint');
  await svc.db.insert(hu).values({ userId, challengeId, usedAt: svc.now }).onConflictDoNothing();
  return { hint: row.help };
}

/** Whether the submission's author had opened the hint of its challenge before it (hint_uses primary key). */
export const hintUsedBefore = (submission: typeof schema.submissions) =>
  sql<boolean>`exists (
    select 1 from ${hu} h
    where h.user_id = ${submission.userId} and h.challenge_id = ${submission.challengeId}
      and h.used_at <= ${submission.createdAt}
  )`.mapWith(Boolean);
