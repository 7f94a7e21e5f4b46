import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareNamed, prepareSql, statementsFor } from '../src/prepared.ts';
import { challenges } from '../src/schema/challenges.ts';
import { createTestDatabase } from '../src/testing.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const c = challenges;

/** A challenge with a date, arrays and json: the values whose mapping could differ. */
async function insertChallenge() {
  const [row] = await database.db
    .insert(c)
    .values({
      slug: `prepared-${randomUUID()}`,
      title: 'Title',
      summary: 'Summary',
      description: 'Description',
      difficulty: 'easy',
      points: 10,
      functionName: 'f',
      tags: ['b', 'a'],
      tests: [{ input: [1, { z: 1, a: [2] }], expectedOutput: 'x' }],
      publishedAt: new Date('2026-03-02T12:34:56.789Z'),
    })
    .returning();
  return row!;
}

const byId = statementsFor((db) => ({
  builder: prepareNamed(
    'prepared_test_by_id',
    db
      .select({ id: c.id, tags: c.tags, tests: c.tests, publishedAt: c.publishedAt })
      .from(c)
      .where(eq(c.id, sql.placeholder('id'))),
  ),
  raw: prepareSql<Record<string, unknown>>(
    db,
    'prepared_test_raw_by_id',
    sql`select ${c.id} as id, ${c.tags} as tags, ${c.tests} as tests, ${c.publishedAt} as published_at
      from ${c} where ${c.id} = ${sql.placeholder('id')}`,
  ),
}));

describe('prepared statements', () => {
  it('map rows exactly as the unprepared query does: dates, arrays, json', async () => {
    const { id } = await insertChallenge();
    const { db } = database;
    const statements = byId(db);
    for (let i = 0; i < 7; i++) {
      // Past PostgreSQL's five custom plans, a named statement may run a generic plan: same rows.
      expect(await statements.builder.execute({ id })).toEqual(
        await db
          .select({ id: c.id, tags: c.tags, tests: c.tests, publishedAt: c.publishedAt })
          .from(c)
          .where(eq(c.id, id)),
      );
      const raw = await statements.raw.execute({ id });
      const plain = await db.execute(
        sql`select ${c.id} as id, ${c.tags} as tags, ${c.tests} as tests, ${c.publishedAt} as published_at
          from ${c} where ${c.id} = ${id}`,
      );
      expect(raw.rows).toEqual(plain.rows);
    }
    const [row] = await statements.builder.execute({ id });
    expect(row?.publishedAt).toEqual(new Date('2026-03-02T12:34:56.789Z'));
    expect(row?.tests).toEqual([{ input: [1, { z: 1, a: [2] }], expectedOutput: 'x' }]);
    expect(row?.tags).toEqual(['b', 'a']);
  });

  it('are built once per database, and separately for a transaction, which they run inside', async () => {
    const { db } = database;
    expect(byId(db)).toBe(byId(db));
    let id = '';
    await db
      .transaction(async (tx) => {
        expect(byId(tx)).not.toBe(byId(db));
        const [row] = await tx
          .insert(c)
          .values({
            slug: `prepared-${randomUUID()}`,
            title: 'Uncommitted',
            summary: 's',
            description: 'd',
            difficulty: 'easy',
            points: 1,
            functionName: 'f',
            tests: [],
          })
          .returning({ id: c.id });
        id = row!.id;
        // Only a statement running on the transaction's own connection sees its uncommitted row.
        expect(await byId(tx).builder.execute({ id })).toHaveLength(1);
        expect((await byId(tx).raw.execute({ id })).rows).toHaveLength(1);
        throw new Error('roll back');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.message === 'roll back')) throw error;
      });
    expect(await byId(db).builder.execute({ id })).toEqual([]);
  });

  it('refuse one name for two statements, on every driver (pg would refuse it only per connection)', () => {
    const { db } = database;
    prepareSql(db, 'prepared_test_twice', sql`select 1 as one`);
    expect(() => prepareSql(db, 'prepared_test_twice', sql`select 1 as one`)).not.toThrow();
    expect(() => prepareSql(db, 'prepared_test_twice', sql`select 2 as two`)).toThrow(/already used/);
    expect(() => prepareNamed('prepared_test_twice', db.select({ id: c.id }).from(c))).toThrow(
      /already used/,
    );
  });
});
