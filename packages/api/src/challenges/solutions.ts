import { schema } from '@skillbytes/db';
import type { Language, Page, SolutionsInput } from '@skillbytes/shared';
import { and, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { timeCursor } from '../lib/cursor.ts';
import { assignedOrCompletedBy } from './access.ts';

const c = schema.challenges;
const cp = schema.completions;
const sub = schema.submissions;
const u = schema.users;

export type SharedSolution = {
  username: string | null;
  language: Language;
  code: string;
  solvedAt: Date;
};

/**
 * Other users' solutions of a challenge, for a caller who solved it. "The" solution of a user is the
 * submission their completion points at (`completions.submission_id`): their first accepted one, the
 * one that earned the points; later accepted resubmissions are not shown. Left out: the caller's own,
 * deleted accounts, users who turned `shareSolutions` off, and completions whose submission is gone.
 * Newest solve first; a page walks completions_challenge_awarded_idx from its keyset position.
 */
export async function sharedSolutions(
  svc: Service,
  input: z.output<typeof SolutionsInput>,
): Promise<Page<SharedSolution>> {
  const userId = svc.caller.userId;
  const after = timeCursor.decode(input.cursor);
  await requireSolved(svc, input.challengeId);
  const rows = await svc.db
    .select({
      username: u.username,
      language: sql<Language>`${sub.language}`,
      code: sub.code,
      solvedAt: cp.awardedAt,
      cursorAt: sql<string>`${cp.awardedAt}::text`,
      cursorId: sql<string>`${cp.userId}::text`,
    })
    .from(cp)
    .innerJoin(sub, eq(sub.id, cp.submissionId))
    .innerJoin(u, eq(u.id, cp.userId))
    .where(
      and(
        eq(cp.challengeId, input.challengeId),
        ne(cp.userId, userId),
        isNull(u.deletedAt),
        eq(u.shareSolutions, true),
        after
          ? sql`(${cp.awardedAt}, ${cp.userId}) < (${after.at}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(cp.awardedAt), desc(cp.userId))
    .limit(input.limit + 1);
  const page = timeCursor.page(rows, input.limit, (r) => ({ at: r.cursorAt, id: r.cursorId }));
  return { items: page.rows.map(({ cursorAt: _a, cursorId: _i, ...r }) => r), nextCursor: page.nextCursor };
}

/**
 * NOT_SOLVED_YET unless the caller completed the challenge; a challenge they cannot see at all answers
 * the NOT_FOUND of byId instead, so the error tells nothing about challenges outside their history.
 */
async function requireSolved(svc: Service, challengeId: string): Promise<void> {
  const userId = svc.caller.userId;
  const [row] = await svc.db
    .select({ solved: sql<boolean>`(${cp.userId} is not null)`.mapWith(Boolean) })
    .from(c)
    .leftJoin(cp, and(eq(cp.challengeId, c.id), eq(cp.userId, userId)))
    .where(and(eq(c.id, challengeId), assignedOrCompletedBy(userId)));
  if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  if (!row.solved)
    throw new DomainError('NOT_SOLVED_YET', 'Solve this challenge to see how others solved it');
}
