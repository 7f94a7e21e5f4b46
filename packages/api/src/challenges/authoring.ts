import { challengeContentValues, type Executor, isUniqueViolation, schema } from '@skillbytes/db';
import {
  acceptsOwnLanguage,
  type ChallengeCore,
  type ChallengeCreateInput,
  type ChallengeListInput,
  type ChallengeStatus,
  type ChallengeUpdateInput,
  OWN_LANGUAGE_PROBLEM,
  type Page,
} from '@skillbytes/shared';
import { and, desc, eq, ilike, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { audit } from '../auth/audit.ts';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { CheckSpec, Judge } from '../judge/types.ts';
import { timeCursor } from '../lib/cursor.ts';
import { isUuid } from '../lib/uuid.ts';
import { storedLanguage } from './language.ts';
import { freeSlug, slugify } from './slug.ts';

const c = schema.challenges;

type ChallengeRow = typeof c.$inferSelect;
/** Admins see the whole challenge, hidden tests, generator and reference solution included. */
export type AdminChallenge = ChallengeRow;

type CreateInput = z.output<typeof ChallengeCreateInput>;
type UpdateInput = z.output<typeof ChallengeUpdateInput>;
type ListInput = z.output<typeof ChallengeListInput>;

/** Derived slugs that keep colliding with concurrent creates get this many fresh tries. */
const SLUG_ATTEMPTS = 5;

/** Refuses a challenge whose own data cannot pass: the judge runs every test against the checker and the solution. */
/**
 * Refuses a challenge whose own data cannot pass, and otherwise gives the per-test time limit it
 * gets from its reference solution (stored with it, used by every submission, shown on a TLE).
 */
async function assertChallengePasses(
  judge: Judge,
  spec: CheckSpec,
): Promise<{ testTimeLimitMs: number; referenceTestMs: number | null }> {
  const check = await judge.checkChallenge(spec);
  if (!check.ok) {
    throw new DomainError('CHALLENGE_INVALID', 'The challenge cannot pass its own tests', {
      problems: check.problems,
    });
  }
  return { testTimeLimitMs: check.testTimeLimitMs, referenceTestMs: check.referenceSlowestTestMs };
}

function specOf(
  ch: Pick<ChallengeCore, 'functionName' | 'tests' | 'hiddenTests' | 'generator' | 'solution' | 'language'>,
): CheckSpec {
  return {
    language: ch.language,
    functionName: ch.functionName,
    tests: ch.tests,
    hiddenTests: ch.hiddenTests,
    generator: ch.generator ?? null,
    solution: ch.solution ?? null,
  };
}

/** The one audit row of an admin's change to a challenge, written in the change's transaction. */
function recordAdminAction(tx: Executor, svc: Service, op: string, id: string) {
  const { caller } = svc;
  return audit(
    { ...svc, db: tx },
    {
      action: 'authz_admin',
      at: svc.now,
      actorUserId: caller.userId,
      actorKeyId: caller.kind === 'apiKey' ? caller.keyId : null,
      sessionId: caller.kind === 'session' ? caller.sessionId : null,
      target: `challenge:${id}`,
      metadata: { op, id },
    },
  );
}

export async function createChallenge(svc: Service, input: CreateInput): Promise<AdminChallenge> {
  const { db, now } = svc;
  const ch = input.challenge;
  const limits = await assertChallengePasses(svc.judge, specOf(ch));
  const values = {
    ...challengeContentValues(ch),
    ...limits,
    status: (input.publish ? 'published' : 'draft') as ChallengeStatus,
    publishedAt: input.publish ? now : null,
    createdBy: svc.caller.userId,
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
        await recordAdminAction(tx, svc, 'challenge.create', row!.id);
        return row!;
      });
    } catch (error) {
      // A derived slug that lost a race is derived again; anything else (an explicit slug that is taken
      // becomes SLUG_TAKEN) goes to the one error mapping, errors.ts.
      const lostRace = !ch.slug && attempt < SLUG_ATTEMPTS && isUniqueViolation(error, 'challenges_slug_key');
      if (!lostRace) throw error;
    }
  }
}

/** What the authoring check reads: a change to any of them is checked again. */
const JUDGED_FIELDS = ['functionName', 'tests', 'hiddenTests', 'generator', 'solution', 'language'] as const;

/**
 * Applies a partial change. When the patch touches anything the judge looks at, the merged challenge is
 * checked again; a change of title or tags alone does not need the judge. The merged challenge must
 * still accept its own language.
 */
export async function updateChallenge(svc: Service, input: UpdateInput): Promise<AdminChallenge> {
  const { db, now } = svc;
  const { id, patch } = input;
  const [current] = await db.select().from(c).where(eq(c.id, id));
  if (!current) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
  const language = patch.language ?? current.language;
  if (!acceptsOwnLanguage({ language, languages: patch.languages ?? current.languages })) {
    throw new DomainError('CHALLENGE_INVALID', 'The challenge must accept its own language', {
      problems: [OWN_LANGUAGE_PROBLEM],
    });
  }
  let limits: { testTimeLimitMs: number; referenceTestMs: number | null } | undefined;
  if (JUDGED_FIELDS.some((f) => patch[f] !== undefined)) {
    limits = await assertChallengePasses(svc.judge, {
      language: storedLanguage(language),
      functionName: patch.functionName ?? current.functionName,
      tests: patch.tests ?? current.tests,
      hiddenTests: patch.hiddenTests ?? current.hiddenTests,
      generator: patch.generator === undefined ? current.generator : patch.generator,
      solution: patch.solution === undefined ? current.solution : patch.solution,
    });
  }
  // A slug that is taken is a unique violation, mapped to SLUG_TAKEN in errors.ts.
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(c)
      .set({ ...patch, ...limits, updatedAt: now })
      .where(eq(c.id, id))
      .returning();
    if (!row) throw new DomainError('CHALLENGE_NOT_FOUND', 'No such challenge');
    await recordAdminAction(tx, svc, 'challenge.update', id);
    return row;
  });
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
  svc: Service,
  { id: ref, status }: { id: string; status: 'published' | 'archived' },
): Promise<AdminChallenge> {
  const { now } = svc;
  return svc.db.transaction(async (tx) => {
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
      svc,
      status === 'published' ? 'challenge.publish' : 'challenge.archive',
      row.id,
    );
    return row;
  });
}

export async function getChallenge(svc: Service, { id: ref }: { id: string }): Promise<AdminChallenge> {
  const [row] = await svc.db.select().from(c).where(byRef(ref));
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
  | 'languages'
  | 'tags'
  | 'points'
  | 'status'
  | 'createdAt'
  | 'updatedAt'
  | 'publishedAt'
>;

/** Newest first, keyset-paginated on (created_at, id); `query` matches title, slug or summary. */
export async function listChallenges(svc: Service, input: ListInput): Promise<Page<AdminChallengeListItem>> {
  const after = timeCursor.decode(input.cursor);
  const pattern = input.query ? `%${input.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const rows = await svc.db
    .select({
      id: c.id,
      slug: c.slug,
      title: c.title,
      summary: c.summary,
      difficulty: c.difficulty,
      language: c.language,
      languages: c.languages,
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
