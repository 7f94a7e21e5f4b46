import { verifyPassword } from '@skillbytes/api/passwords';
import { createDatabase, type DatabaseHandle } from '@skillbytes/db';
import { createTestDatabase } from '@skillbytes/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  BENCH_PASSWORD,
  type DatasetReport,
  generateDataset,
  isDeletedUser,
  seededUserId,
} from '../src/dataset.ts';
import { pgClient, pgliteClient, type SqlClient } from '../src/sql-client.ts';

const USERS = 300;
const SEED = 7;
const options = { users: USERS, seed: SEED, challenges: 64, broadcasts: 10 };

/** A fresh migrated database (PGlite in memory, or PostgreSQL with TEST_DATABASE_URL) and a client on it. */
async function freshDatabase(): Promise<{ handle: DatabaseHandle & { url?: string }; sql: SqlClient }> {
  const handle = await createTestDatabase();
  const sql = handle.url ? await pgClient(handle.url) : pgliteClient(handle);
  return { handle, sql };
}

async function closeAll(db: { handle: DatabaseHandle; sql: SqlClient }) {
  if (db.sql.kind === 'pg') await db.sql.close();
  await db.handle.close();
}

const one = async <T>(sql: SqlClient, text: string) => (await sql.query<T>(text))[0]!;
const count = async (sql: SqlClient, text: string) => Number((await one<{ n: string }>(sql, text)).n);

describe('the benchmark dataset', () => {
  let db: { handle: DatabaseHandle & { url?: string }; sql: SqlClient };
  let report: DatasetReport;

  beforeAll(async () => {
    db = await freshDatabase();
    report = await generateDataset(db.sql, options);
  });
  afterAll(async () => {
    await closeAll(db);
  });

  it('loads every table with the planned number of rows and reports them', async () => {
    const rows = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    expect(rows.users).toBe(USERS + 1);
    expect(rows.challenges).toBe(64);
    expect(rows.completions).toBeGreaterThanOrEqual(USERS * 10);
    expect(rows.completions).toBeLessThanOrEqual(USERS * 30);
    expect(rows.submissions).toBe(USERS * 3);
    expect(rows.daily_assignments).toBe(USERS);
    expect(rows.messages).toBeGreaterThan(10);
    expect(rows.inbox_state).toBeGreaterThan(0);
    expect(await count(db.sql, "select count(*)::text as n from challenges where status = 'published'")).toBe(
      64,
    );
  });

  it("keeps users' points, weekly and monthly points equal to what their completions paid", async () => {
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from users u
         left join (select user_id, sum(points) as p from completions group by user_id) c on c.user_id = u.id
         where u.points <> coalesce(c.p, 0)`,
      ),
    ).toBe(0);
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from (select user_id, sum(points) as p from weekly_points group by user_id) w
         join users u on u.id = w.user_id where u.points <> w.p`,
      ),
    ).toBe(0);
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from (
           select date_trunc('week', awarded_at at time zone 'UTC')::date as w, user_id, sum(points) as p
           from completions group by 1, 2
           except select week_start, user_id, points from weekly_points) d`,
      ),
    ).toBe(0);
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from (
           (select date_trunc('month', awarded_at at time zone 'UTC')::date as m, user_id, sum(points) as p
            from completions group by 1, 2
            except select month_start, user_id, points from monthly_points)
           union all
           (select month_start, user_id, points from monthly_points
            except select date_trunc('month', awarded_at at time zone 'UTC')::date, user_id, sum(points)
            from completions group by 1, 2)) d`,
      ),
    ).toBe(0);
    expect(await count(db.sql, 'select count(*)::text as n from users where points > 0')).toBeGreaterThan(
      USERS / 2,
    );
  });

  it('fills the leaderboard histograms as their triggers would have', async () => {
    const diff = async (a: string, b: string) =>
      (await count(db.sql, `select count(*)::text as n from ((${a}) except (${b})) d`)) +
      (await count(db.sql, `select count(*)::text as n from ((${b}) except (${a})) d`));
    expect(
      await diff(
        'select points, users from points_histogram',
        'select points, count(*)::int from users where deleted_at is null and points > 0 group by points',
      ),
    ).toBe(0);
    expect(
      await diff(
        'select week_start, points, users from weekly_points_histogram',
        `select w.week_start, w.points, count(*)::int from weekly_points w join users u on u.id = w.user_id
         where u.deleted_at is null and w.points > 0 group by 1, 2`,
      ),
    ).toBe(0);
    expect(
      await diff(
        'select month_start, points, users from monthly_points_histogram',
        `select m.month_start, m.points, count(*)::int from monthly_points m join users u on u.id = m.user_id
         where u.deleted_at is null and m.points > 0 group by 1, 2`,
      ),
    ).toBe(0);
  });

  it("assigns today's challenge in each user's time zone, one they have not completed on an earlier day", async () => {
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from daily_assignments d join users u on u.id = d.user_id
         where d.day <> (now() at time zone u.timezone)::date`,
      ),
    ).toBe(0);
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from daily_assignments d
         join completions c on c.user_id = d.user_id and c.challenge_id = d.challenge_id where c.day <> d.day`,
      ),
    ).toBe(0);
    expect(
      await count(
        db.sql,
        `select count(*)::text as n from users u join (select user_id, max(day) as last from completions group by user_id) c
         on c.user_id = u.id where u.last_completion_day <> c.last`,
      ),
    ).toBe(0);
  });

  it('never dates a completion or a message after the load instant', async () => {
    expect(await count(db.sql, 'select count(*)::text as n from completions where awarded_at > now()')).toBe(
      0,
    );
    expect(await count(db.sql, 'select count(*)::text as n from messages where created_at > now()')).toBe(0);
  });

  it('derives ids from the seed, in a shape z.uuid() accepts', async () => {
    const ids = await db.sql.query<{ id: string; email: string }>(
      'select id::text as id, email from users order by email',
    );
    const byEmail = new Map(ids.map((r) => [r.email, r.id]));
    expect(byEmail.get(ADMIN_EMAIL)).toBe(seededUserId(SEED, 0));
    expect(byEmail.get('user42@bench.local')).toBe(seededUserId(SEED, 42));
    const rfc4122 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const sample = await db.sql.query<{ id: string }>(
      `select id::text as id from users union all select id::text from challenges
       union all select id::text from messages union all select id::text from submissions`,
    );
    expect(sample.filter((r) => !rfc4122.test(r.id))).toEqual([]);
  });

  it('gives every account the known password as a real argon2id hash, and one admin', async () => {
    const admin = await one<{ role: string; password_hash: string }>(
      db.sql,
      `select role, password_hash from users where email = '${ADMIN_EMAIL}'`,
    );
    expect(admin.role).toBe('admin');
    expect(admin.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(admin.password_hash, BENCH_PASSWORD)).toBe(true);
    expect(await verifyPassword(admin.password_hash, `${BENCH_PASSWORD}x`)).toBe(false);
  });

  it('soft-deletes exactly the accounts the load scenarios stay away from', async () => {
    const deleted = await db.sql.query<{ email: string }>(
      'select email from users where deleted_at is not null',
    );
    const expected = Array.from({ length: USERS }, (_, k) => k + 1).filter(isDeletedUser);
    expect(deleted.map((r) => r.email).sort()).toEqual(expected.map((i) => `user${i}@bench.local`).sort());
  });

  it('leaves the schema exactly as the migrations made it: keys, indexes, foreign keys, triggers on', async () => {
    const reference = await freshDatabase();
    try {
      const shape = (sql: SqlClient) =>
        sql.query(`
          select 'index' as kind, indexdef as def from pg_indexes where schemaname = 'public'
          union all select 'constraint', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            from pg_constraint where connamespace = 'public'::regnamespace and convalidated
          union all select 'trigger', tgname || ' ' || tgenabled::text from pg_trigger t join pg_class c on c.oid = t.tgrelid
            where c.relnamespace = 'public'::regnamespace and not t.tgisinternal
          order by 1, 2`);
      expect(await shape(db.sql)).toEqual(await shape(reference.sql));
    } finally {
      await closeAll(reference);
    }
  });

  it('is reproducible: the same seed gives the same rows, and every reference holds when re-validated', async () => {
    const again = await freshDatabase();
    try {
      // Without the replication-role shortcut: foreign keys are dropped and re-added, which validates them.
      await generateDataset(again.sql, { ...options, useReplicationRole: false });
      const fingerprint = async (sql: SqlClient) =>
        one<{ users: string; completions: string; messages: string }>(
          sql,
          `select
             (select md5(string_agg(id::text || email || points, ',' order by id)) from users) as users,
             (select md5(string_agg(user_id::text || challenge_id::text || points, ',' order by user_id, challenge_id)) from completions) as completions,
             (select md5(string_agg(id::text || coalesce(recipient_id::text, '-'), ',' order by id)) from messages) as messages`,
        );
      expect(await fingerprint(again.sql)).toEqual(await fingerprint(db.sql));
    } finally {
      await closeAll(again);
    }
  });

  it('refuses to load into a database that already has users', async () => {
    await expect(generateDataset(db.sql, options)).rejects.toThrow(/already has users/);
  });
});

describe('the dataset generator on an embedded database directory', () => {
  it('loads through the same SQL as on PostgreSQL', async () => {
    const handle = createDatabase();
    await handle.migrate();
    const report = await generateDataset(pgliteClient(handle), {
      users: 50,
      seed: 1,
      challenges: 40,
      broadcasts: 3,
    });
    expect(report.tables.find((t) => t.table === 'users')?.rows).toBe(51);
    await handle.close();
  });
});
