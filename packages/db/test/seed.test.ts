import { readdir } from 'node:fs/promises';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../src/schema/challenges.ts';
import { loadStarterChallenges, seedStarterPool, type StarterChallenge } from '../src/seed.ts';
import { createTestDatabase } from '../src/testing.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

describe('starter challenge pool', () => {
  let pool: StarterChallenge[];

  beforeAll(async () => {
    pool = await loadStarterChallenges();
  });

  it('has at least 30 valid challenges with unique slugs matching their file names', async () => {
    expect(pool.length).toBeGreaterThanOrEqual(30);
    const slugs = pool.map((c) => c.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    const files = (await readdir(new URL('../seed/challenges/', import.meta.url)))
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files.map((f) => f.replace(/^\d+-/, '').replace(/\.json$/, ''))).toEqual(slugs);
  });

  it('covers every difficulty level and at least 8 distinct tags', () => {
    expect(new Set(pool.map((c) => c.difficulty))).toEqual(new Set(['beginner', 'easy', 'medium', 'hard']));
    expect(new Set(pool.flatMap((c) => c.tags)).size).toBeGreaterThanOrEqual(8);
  });

  it('gives every challenge a solution, and hidden tests with a generator or, for a class, more of them', () => {
    for (const c of pool) {
      const isClass = c.tests.some((t) => 'steps' in t);
      expect(c.solution, c.slug).toContain(
        isClass ? `class ${c.functionName} ` : `function ${c.functionName}(`,
      );
      if (isClass) {
        // Class challenges have no generator (generated cases are calls): hidden sequences stand in.
        expect(c.generator, c.slug).toBeUndefined();
        expect(c.hiddenTests.length, c.slug).toBeGreaterThanOrEqual(6);
      } else {
        expect(c.generator?.cases, c.slug).toBeGreaterThanOrEqual(5);
        expect(c.hiddenTests.length, c.slug).toBeGreaterThanOrEqual(3);
      }
    }
  });
});

describe('seedStarterPool', () => {
  let handle: TestDatabase;
  let poolSize: number;

  beforeAll(async () => {
    handle = await createTestDatabase();
    poolSize = (await loadStarterChallenges()).length;
  });

  afterAll(async () => {
    await handle?.close();
  });

  it('inserts the whole pool as published challenges into an empty table', async () => {
    const inserted = await seedStarterPool(handle.db);
    expect(inserted).toBe(poolSize);
    const [row] = await handle.db
      .select({ n: count() })
      .from(challenges)
      .where(eq(challenges.status, 'published'));
    expect(row?.n).toBe(poolSize);
    const rows = await handle.db.select({ publishedAt: challenges.publishedAt }).from(challenges);
    expect(rows.every((r) => r.publishedAt instanceof Date)).toBe(true);
  });

  it('inserts nothing when the table already has challenges', async () => {
    expect(await seedStarterPool(handle.db)).toBe(0);
    const [row] = await handle.db.select({ n: count() }).from(challenges);
    expect(row?.n).toBe(poolSize);
  });
});

describe('seedStarterPool started twice at once', () => {
  let handle: TestDatabase;

  beforeAll(async () => {
    handle = await createTestDatabase();
  });

  afterAll(async () => {
    await handle?.close();
  });

  it('seeds exactly once', async () => {
    const results = await Promise.all([seedStarterPool(handle.db), seedStarterPool(handle.db)]);
    const poolSize = (await loadStarterChallenges()).length;
    expect(results.sort((a, b) => a - b)).toEqual([0, poolSize]);
    const [row] = await handle.db.select({ n: count() }).from(challenges);
    expect(row?.n).toBe(poolSize);
  });
});
