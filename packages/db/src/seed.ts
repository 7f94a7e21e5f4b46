import { readdir, readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { ChallengeCore } from '@skillbytes/shared';
import type { Database, Executor } from './client.ts';
import { challengeContentValues } from './challenge-values.ts';
import { challenges } from './schema/challenges.ts';

/** A starter challenge as shipped in `seed/challenges/NN-slug.json`: always has its slug. */
export type StarterChallenge = ChallengeCore & { slug: string };

const starterDir = new URL('../seed/challenges/', import.meta.url);
/** Any fixed number: every process that seeds takes the same transaction-scoped advisory lock. */
const SEED_LOCK_KEY = 727_164_002;
const FILE_NAME = /^\d+-([a-z0-9]+(?:-[a-z0-9]+)*)\.json$/;

/**
 * Reads every `*.json` file of the starter pool, sorted by file name, and validates each one with
 * `ChallengeCore`. A broken file throws an error naming it.
 */
export async function loadStarterChallenges(): Promise<StarterChallenge[]> {
  const files = (await readdir(starterDir)).filter((f) => f.endsWith('.json')).sort();
  const pool: StarterChallenge[] = [];
  for (const file of files) {
    const fileSlug = FILE_NAME.exec(file)?.[1];
    if (!fileSlug) throw new Error(`Starter challenge ${file}: file name must look like NN-slug.json`);
    let parsed: ChallengeCore;
    try {
      parsed = ChallengeCore.parse(JSON.parse(await readFile(new URL(file, starterDir), 'utf8')));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Starter challenge ${file} is invalid: ${reason}`, { cause: error });
    }
    if (parsed.slug !== fileSlug) {
      throw new Error(
        `Starter challenge ${file}: slug ${JSON.stringify(parsed.slug)} does not match the file name`,
      );
    }
    pool.push({ ...parsed, slug: fileSlug });
  }
  return pool;
}

/**
 * Inserts the starter pool as published challenges when the `challenges` table is empty, in one
 * transaction. Returns how many were inserted: 0 when the table already had challenges. Safe when
 * several processes start at once: they serialise on an advisory lock before looking at the table.
 */
export async function seedStarterPool(db: Database): Promise<number> {
  // A start on a database that has its pool reads and validates no seed file.
  if (await hasChallenges(db)) return 0;
  const pool = await loadStarterChallenges();
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`);
    if ((await hasChallenges(tx)) || pool.length === 0) return 0;
    const now = new Date();
    const inserted = await tx
      .insert(challenges)
      .values(
        pool.map((c) => ({
          ...challengeContentValues(c),
          slug: c.slug,
          status: 'published' as const,
          publishedAt: now,
        })),
      )
      .onConflictDoNothing({ target: challenges.slug })
      .returning({ id: challenges.id });
    return inserted.length;
  });
}

async function hasChallenges(db: Executor): Promise<boolean> {
  const existing = await db.select({ id: challenges.id }).from(challenges).limit(1);
  return existing.length > 0;
}
