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
 * The rows `seedStarterPool` inserts, less what each database gives them itself (ids, times): what a
 * starter snapshot's key hashes, so a change to the pool or to how it becomes rows makes a new snapshot.
 */
export function starterRows(pool: StarterChallenge[]) {
  return pool.map((c) => ({ ...challengeContentValues(c), slug: c.slug, status: 'published' as const }));
}

/**
 * Inserts the starter pool as published challenges when the `challenges` table is empty, in one
 * transaction. Returns how many were inserted: 0 when the table already had challenges. Safe when
 * several processes start at once: they serialise on an advisory lock before looking at the table.
 */
export async function seedStarterPool(db: Database): Promise<number> {
  // A start on a database that has its pool reads and validates no seed file.
  if (await hasChallenges(db)) return 0;
  const rows = starterRows(await loadStarterChallenges());
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`);
    if ((await hasChallenges(tx)) || rows.length === 0) return 0;
    const now = new Date();
    const inserted = await tx
      .insert(challenges)
      .values(rows.map((row) => ({ ...row, publishedAt: now })))
      .onConflictDoNothing({ target: challenges.slug })
      .returning({ id: challenges.id });
    return inserted.length;
  });
}

/**
 * A pool copied from a starter snapshot carries the ids and times of the database it was dumped from:
 * this gives it ids and times of its own, as `seedStarterPool` on this database would have.
 */
export async function restampStarterPool(db: Database) {
  await db.execute(
    sql`update ${challenges} set id = gen_random_uuid(), created_at = now(), updated_at = now(), published_at = now()`,
  );
}

async function hasChallenges(db: Executor): Promise<boolean> {
  const existing = await db.select({ id: challenges.id }).from(challenges).limit(1);
  return existing.length > 0;
}
