import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { seedStarterPool } from '../src/index.ts';
import { earlierSchemas } from './earlier-schema.ts';

const { openAt } = earlierSchemas('sb-streak-backfill-');
/** The last migration before streak_days. */
const BEFORE = '0007_typescript_solutions';

describe('the streak_days migrations on a database with users in it', () => {
  it('backfill one solved row per completed day, with the run it ends, and start the freeze run', async () => {
    const handle = await openAt(BEFORE);
    await seedStarterPool(handle.db);
    const ids = await handle.db.execute<{ id: string }>(
      sql`select id::text as id from challenges order by slug limit 6`,
    );
    const [a, b, c, d, e, f] = ids.rows.map((r) => r.id);
    const user = await handle.db.execute<{ id: string }>(sql`
      insert into users (email, password_hash, current_streak, best_streak, last_completion_day)
      values ('old@example.com', 'x', 2, 3, '2026-03-06') returning id::text as id`);
    const userId = user.rows[0]!.id;
    // Solved on the 1st, 2nd, 3rd, 5th and (twice) the 6th.
    const days: [string | undefined, string][] = [
      [a, '2026-03-01'],
      [b, '2026-03-02'],
      [c, '2026-03-03'],
      [d, '2026-03-05'],
      [e, '2026-03-06'],
      [f, '2026-03-06'],
    ];
    for (const [challengeId, day] of days) {
      await handle.db.execute(sql`
        insert into completions (user_id, challenge_id, points, day)
        values (${userId}::uuid, ${challengeId}::uuid, 10, ${day}::date)`);
    }

    await handle.migrate();

    const rows = await handle.db.execute<{ day: string; kind: string; streak: number; freezes: number }>(sql`
      select day::text as day, kind, streak, freezes from streak_days
      where user_id = ${userId}::uuid order by day`);
    expect(rows.rows.map((r) => ({ ...r, streak: Number(r.streak), freezes: Number(r.freezes) }))).toEqual([
      { day: '2026-03-01', kind: 'solved', streak: 1, freezes: 0 },
      { day: '2026-03-02', kind: 'solved', streak: 2, freezes: 0 },
      { day: '2026-03-03', kind: 'solved', streak: 3, freezes: 0 },
      { day: '2026-03-05', kind: 'solved', streak: 1, freezes: 0 },
      { day: '2026-03-06', kind: 'solved', streak: 2, freezes: 0 },
    ]);
    const users = await handle.db.execute<{ solved_run: number; freezes_held: number; timezone: string }>(sql`
      select solved_run, freezes_held, timezone from users where id = ${userId}::uuid`);
    expect(users.rows[0]).toMatchObject({ timezone: 'UTC' });
    expect(Number(users.rows[0]!.solved_run)).toBe(2);
    expect(Number(users.rows[0]!.freezes_held)).toBe(0);
  });
});
