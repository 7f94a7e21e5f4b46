import {
  challengeContentValues,
  type Database,
  type Executor,
  isUniqueViolation,
  schema,
} from '@skillbytes/db';
import type {
  ChallengeCore,
  ChallengeCreateInput,
  ChallengeListInput,
  ChallengeStatus,
  ChallengeUpdateInput,
  Page,
} from '@skillbytes/shared';
import { and, desc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { audit } from '../auth/audit.ts';
import type { Caller, RequestInfo } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { Judge, JudgeSpec } from '../judge/types.ts';
import { timeCursor } from '../lib/cursor.ts';
import { isUuid } from '../lib/uuid.ts';
import { freeSlug, slugify } from './slug.ts';

const c = schema.challenges;

export type ChallengeRow = typeof c.$inferSelect;
/** Admins see the whole challenge, hidden tests, generator and reference solution included. */
export type AdminChallenge = ChallengeRow;

/** Who is authoring, for the audit log. */
export type AuthoringActor = { caller: Caller; req: RequestInfo; logger: Logger };

type CreateInput = z.output<typeof ChallengeCreateInput>;
type UpdateInput = z.output<typeof ChallengeUpdateInput>;
type ListInput = z.output<typeof ChallengeListInput>;

/** Derived slugs that keep colliding with concurrent creates get this many fresh tries. */
const SLUG_ATTEMPTS = 5;

/** Refuses a challenge whose own data cannot pass: the judge runs every test against the checker and the solution. */
export async function assertChallengePasses(
  judge: Judge,
  spec: JudgeSpec & { solution: string | null },
): Promise<void> {
  const check = await judge.checkChallenge(spec);
  if (!check.ok) {
    throw new DomainError('CHALLENGE_INVALID', 'The challenge cannot pass its own tests', {
      problems: check.problems,
    });
  }
}

function specOf(
  ch: Pick<ChallengeCore, 'functionName' | 'tests' | 'hiddenTests' | 'generator' | 'solution'>,
) {
  return {
    functionName: ch.functionName,
    tests: ch.tests,
    hiddenTests: ch.hiddenTests,
    generator: ch.generator ?? null,
    solution: ch.solution ?? null,
  };
}

function recordAdminAction(tx: Executor, actor: AuthoringActor, op: string, id: string, now: Date) {
  const { caller, req, logger } = actor;
  return audit(
    tx,
    { ip: req.ip, userAgent: req.userAgent, logger },
    {
      action: 'authz_admin',
      at: now,
      actorUserId: caller.userId,
      actorKeyId: caller.kind === 'apiKey' ? caller.keyId : null,
      sessionId: caller.kind === 'session' ? caller.sessionId : null,
      target: `challenge:${id}`,
      metadata: { op, id },
    },
  );
}

export async function createChallenge(
  db: Database,
  judge: Judge,
  actor: AuthoringActor,
  input: CreateInput,
  now: Date,
): Promise<AdminChallenge> {
  const ch = input.challenge;
  await assertChallengePasses(judge, specOf(ch));
  const values = {
    ...challengeContentValues(ch),
    status: (input.publish ? 'published' : 'draft') as ChallengeStatus,
    publishedAt: input.publish ? now : null,
    createdBy: actor.caller.userId,
    createdAt: now,
    updatedAt: now,
  };
  const base = ch.slug ?? slugify(ch.title);
  for (let attempt = 1; ; attempt++) {
    const slug = ch.slug ?? (await freeSlug(db, base));
    try {
      return await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(c)
          .values({ ...values, slug })
          .returning();
        await recordAdminAction(tx, actor, 'challenge.create', row!.id, now);
        return row!;
      });
    } catch (error) {
      if (!isUniqueViolation(error, 'challenges_slug_key')) throw error;
      // An explicit slug is the admin's choice: say it is taken. A derived one lost a race: derive again.
      if (ch.slug || attempt >= SLUG_ATTEMPTS) {
        throw new DomainError('SLUG_TAKEN', `A challenge with the slug "${slug}" already exists`);
      }
    }
  }
}

const JUDGED_FIELDS = ['functionName', 'tests', 'hiddenTests', 'generator', 'solution'] as const;

/**
 * Applies a partial change. When the patch touches anything the judge looks at, the merged challenge is
 * checked again; a change of title or tags alone does not need the judge.
 */
export async function updateChallenge(
  db: Database,
  judge: Judge,
  actor: AuthoringActor,
  input: UpdateInput,
  now: Date,
): Promise<AdminChallenge> {
  const { id, patch } = input;
  const [current] = await db.select().from(c).where(eq(c.id, id));
  if (!current) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  if (JUDGED_FIELDS.some((f) => patch[f] !== undefined)) {
    await assertChallengePasses(judge, {
      functionName: patch.functionName ?? current.functionName,
      tests: patch.tests ?? current.tests,
      hiddenTests: patch.hiddenTests ?? current.hiddenTests,
      generator: patch.generator === undefined ? current.generator : patch.generator,
      solution: patch.solution === undefined ? current.solution : patch.solution,
    });
  }
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .update(c)
        .set({ ...patch, updatedAt: now })
        .where(eq(c.id, id))
        .returning();
      if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
      await recordAdminAction(tx, actor, 'challenge.update', id, now);
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'challenges_slug_key')) {
      throw new DomainError('SLUG_TAKEN', `A challenge with the slug "${patch.slug}" already exists`);
    }
    throw error;
  }
}

/** A challenge named by its id or its slug. */
function byRef(ref: string) {
  return isUuid(ref) ? eq(c.id, ref.toLowerCase()) : eq(c.slug, ref);
}

/**
 * Publishing makes a challenge eligible for the daily pick; archiving takes it out (users who were
 * assigned it keep seeing it in their history). Both are idempotent.
 */
export async function setChallengeStatus(
  db: Database,
  actor: AuthoringActor,
  ref: string,
  status: 'published' | 'archived',
  now: Date,
): Promise<AdminChallenge> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(c)
      .set({
        status,
        updatedAt: now,
        ...(status === 'published'
          ? { publishedAt: sql`coalesce(${c.publishedAt}, ${now.toISOString()}::timestamptz)` }
          : {}),
      })
      .where(byRef(ref))
      .returning();
    if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
    await recordAdminAction(
      tx,
      actor,
      status === 'published' ? 'challenge.publish' : 'challenge.archive',
      row.id,
      now,
    );
    return row;
  });
}

export async function getChallenge(db: Database, ref: string): Promise<AdminChallenge> {
  const [row] = await db.select().from(c).where(byRef(ref));
  if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  return row;
}

export type AdminChallengeListItem = Pick<
  ChallengeRow,
  | 'id'
  | 'slug'
  | 'title'
  | 'summary'
  | 'difficulty'
  | 'language'
  | 'tags'
  | 'points'
  | 'status'
  | 'createdAt'
  | 'updatedAt'
  | 'publishedAt'
>;

/** Newest first, keyset-paginated on (created_at, id); `query` matches title, slug or summary. */
export async function listChallenges(db: Database, input: ListInput): Promise<Page<AdminChallengeListItem>> {
  const after = timeCursor.decode(input.cursor);
  const pattern = input.query ? `%${input.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const rows = await db
    .select({
      id: c.id,
      slug: c.slug,
      title: c.title,
      summary: c.summary,
      difficulty: c.difficulty,
      language: c.language,
      tags: c.tags,
      points: c.points,
      status: c.status,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      publishedAt: c.publishedAt,
      cursorAt: sql<string>`${c.createdAt}::text`,
      cursorId: c.id,
    })
    .from(c)
    .where(
      and(
        input.status ? eq(c.status, input.status) : undefined,
        pattern ? or(ilike(c.title, pattern), ilike(c.slug, pattern), ilike(c.summary, pattern)) : undefined,
        after ? sql`(${c.createdAt}, ${c.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(c.createdAt), desc(c.id))
    .limit(input.limit + 1);
  const page = timeCursor.page(rows, input.limit, (r) => ({ at: r.cursorAt, id: r.cursorId }));
  return {
    items: page.rows.map(({ cursorAt: _a, cursorId: _i, ...item }) => item),
    nextCursor: page.nextCursor,
  };
}
