import { createHash, randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../src/lib/local-day.ts';
import { expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { countStatements, createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.close());

/**
 * Every test gets its own pool: challenges and users share a made-up `language`, and the daily pick
 * only looks at challenges in the user's language. So tests cannot see each other's challenges.
 */
async function pool(size: number, extra: Partial<typeof schema.challenges.$inferInsert> = {}) {
  const language = `lang-${randomUUID().slice(0, 8)}`;
  const challenges = [];
  for (let i = 0; i < size; i++)
    challenges.push(await insertChallenge(api.database.db, { language, ...extra }));
  return { language, challenges };
}

async function userIn(language: string, values: Partial<typeof schema.users.$inferInsert> = {}) {
  return api.createUser({ language, ...values });
}

async function assignments(userId: string) {
  const da = schema.dailyAssignments;
  return api.database.db.select().from(da).where(eq(da.userId, userId)).orderBy(da.day);
}

async function complete(userId: string, challengeId: string, day: string) {
  await api.database.db.insert(schema.completions).values({ userId, challengeId, points: 10, day });
}

describe('challenges.daily', () => {
  it('gives a user in Pacific/Auckland and one in America/Los_Angeles different todays at the same instant', async () => {
    const { language } = await pool(3);
    const auckland = await userIn(language, { timezone: 'Pacific/Auckland' });
    const losAngeles = await userIn(language, { timezone: 'America/Los_Angeles' });
    // 12:00 UTC on 2 March is 01:00 on 3 March in Auckland (NZDT, +13) and 04:00 on 2 March in LA (PST, -8).
    api.clock.set('2026-03-02T12:00:00Z');
    expect((await api.as(auckland).challenges.daily()).day).toBe('2026-03-03');
    expect((await api.as(losAngeles).challenges.daily()).day).toBe('2026-03-02');
  });

  it('keeps the same challenge all local day and gives a new one when the local day turns', async () => {
    const { language } = await pool(3);
    const user = await userIn(language, { timezone: 'America/Los_Angeles' });
    const caller = api.as(user);
    api.clock.set('2026-03-02T08:00:00Z'); // 00:00 in Los Angeles
    const first = await caller.challenges.daily();
    api.clock.set('2026-03-03T07:59:59Z'); // 23:59:59, still 2 March there, already 3 March in UTC
    const later = await caller.challenges.daily();
    expect(later.day).toBe('2026-03-02');
    expect(later.challenge.id).toBe(first.challenge.id);
    api.clock.set('2026-03-03T08:00:00Z'); // midnight: 3 March in Los Angeles
    const next = await caller.challenges.daily();
    expect(next.day).toBe('2026-03-03');
    expect(next.challenge.id).not.toBe(first.challenge.id);
    expect((await assignments(user.id)).map((a) => a.day)).toEqual(['2026-03-02', '2026-03-03']);
  });

  it('turns the day at local midnight in Auckland, not at UTC midnight', async () => {
    const { language } = await pool(2);
    const user = await userIn(language, { timezone: 'Pacific/Auckland' });
    const caller = api.as(user);
    api.clock.set('2026-03-02T10:59:00Z'); // 23:59 on 2 March in Auckland
    const before = await caller.challenges.daily();
    api.clock.set('2026-03-02T11:00:00Z'); // 00:00 on 3 March there; UTC is still 2 March
    const after = await caller.challenges.daily();
    expect([before.day, after.day]).toEqual(['2026-03-02', '2026-03-03']);
    expect(after.challenge.id).not.toBe(before.challenge.id);
  });

  it('makes one assignment for N concurrent first calls of the day, and all get the same challenge', async () => {
    const { language } = await pool(10);
    const user = await userIn(language);
    api.clock.set('2026-04-01T09:00:00Z');
    const results = await Promise.all(Array.from({ length: 8 }, () => api.as(user).challenges.daily()));
    expect(new Set(results.map((r) => r.challenge.id)).size).toBe(1);
    expect(await assignments(user.id)).toHaveLength(1);
  });

  it('prefers the challenge with the most tags in common with the preferences', async () => {
    const { language } = await pool(6, { tags: ['math'] });
    const one = await insertChallenge(api.database.db, { language, tags: ['strings'] });
    const two = await insertChallenge(api.database.db, { language, tags: ['strings', 'recursion', 'math'] });
    const user = await userIn(language, { preferences: ['strings', 'recursion'] });
    api.clock.set('2026-04-02T09:00:00Z');
    expect((await api.as(user).challenges.daily()).challenge.id).toBe(two.id);
    api.clock.set('2026-04-03T09:00:00Z');
    expect((await api.as(user).challenges.daily()).challenge.id).toBe(one.id);
  });

  it('breaks ties by md5(user, day, challenge): random-looking, the same on every call', async () => {
    const { language, challenges } = await pool(8);
    const day = '2026-04-04';
    api.clock.set(`${day}T12:00:00Z`);
    const expectedPick = (userId: string) =>
      challenges
        .map((c) => ({ id: c.id, key: createHash('md5').update(`${userId}${day}${c.id}`).digest('hex') }))
        .sort((a, b) => (a.key < b.key ? -1 : 1))[0]!.id;
    const picks = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const user = await userIn(language);
      const first = await api.as(user).challenges.daily();
      expect(first.challenge.id).toBe(expectedPick(user.id));
      picks.add(first.challenge.id);
      // Forget the assignment: the pick is recomputed, and comes out the same.
      await api.database.db
        .delete(schema.dailyAssignments)
        .where(eq(schema.dailyAssignments.userId, user.id));
      expect((await api.as(user).challenges.daily()).challenge.id).toBe(first.challenge.id);
    }
  });

  it('never picks drafts, archived challenges, other languages or completed challenges', async () => {
    const { language } = await pool(0);
    await insertChallenge(api.database.db, { language, status: 'draft', publishedAt: null });
    await insertChallenge(api.database.db, { language, status: 'archived' });
    await insertChallenge(api.database.db, { language: `${language}-other` });
    const done = await insertChallenge(api.database.db, { language });
    const open = await insertChallenge(api.database.db, { language });
    const user = await userIn(language);
    await complete(user.id, done.id, '2026-04-01');
    api.clock.set('2026-04-05T12:00:00Z');
    expect((await api.as(user).challenges.daily()).challenge.id).toBe(open.id);
  });

  it('falls back to the least recently assigned uncompleted challenge, then answers NO_CHALLENGE_AVAILABLE', async () => {
    const { language, challenges } = await pool(2);
    const user = await userIn(language);
    const caller = api.as(user);
    const pickOn = async (day: string) => {
      api.clock.set(`${day}T12:00:00Z`);
      return (await caller.challenges.daily()).challenge.id;
    };
    const a = await pickOn('2026-05-01');
    const b = await pickOn('2026-05-02');
    expect(new Set([a, b])).toEqual(new Set(challenges.map((c) => c.id)));
    // Everything was assigned: the one assigned longest ago comes back, then the other.
    expect(await pickOn('2026-05-03')).toBe(a);
    expect(await pickOn('2026-05-04')).toBe(b);
    // Completed challenges never come back.
    await complete(user.id, a, '2026-05-04');
    expect(await pickOn('2026-05-05')).toBe(b);
    await complete(user.id, b, '2026-05-05');
    api.clock.set('2026-05-06T12:00:00Z');
    await expectTrpcError(caller.challenges.daily(), 'NOT_FOUND', 'NO_CHALLENGE_AVAILABLE');
    expect(await assignments(user.id)).toHaveLength(5);
  });

  it('answers NO_CHALLENGE_AVAILABLE on an empty pool', async () => {
    const user = await userIn(`lang-${randomUUID().slice(0, 8)}`);
    await expectTrpcError(api.as(user).challenges.daily(), 'NOT_FOUND', 'NO_CHALLENGE_AVAILABLE');
  });

  it('never exposes hidden tests, the generator or the reference solution', async () => {
    const { language } = await pool(0);
    const secret = await insertChallenge(api.database.db, {
      language,
      hiddenTests: [{ input: [424242, 1], expectedOutput: 424243 }],
      generator: { inFn: '[SECRET_GENERATOR]', outFn: 'return SECRET_CHECKER;', cases: 3 },
      solution: 'function add(a, b) { return a + b; /* SECRET_SOLUTION */ }',
    });
    const user = await userIn(language);
    const daily = await api.as(user).challenges.daily();
    expect(daily.challenge.id).toBe(secret.id);
    expect(Object.keys(daily.challenge).sort()).toEqual(
      [
        'id',
        'slug',
        'title',
        'summary',
        'description',
        'difficulty',
        'language',
        'languages',
        'tags',
        'points',
        'functionName',
        'starterCode',
        'hasHint',
        'tests',
        'publishedAt',
      ].sort(),
    );
    const text = JSON.stringify(daily);
    for (const leak of ['424242', 'SECRET_GENERATOR', 'SECRET_CHECKER', 'SECRET_SOLUTION', 'hiddenTests']) {
      expect(text).not.toContain(leak);
    }
    expect(daily.challenge.tests).toEqual(secret.tests);
  });

  it("includes the user's completion state for today's challenge", async () => {
    const { language } = await pool(1);
    const user = await userIn(language);
    api.clock.set('2026-05-10T12:00:00Z');
    const before = await api.as(user).challenges.daily();
    expect(before).toMatchObject({ completed: false, completedAt: null, pointsAwarded: null });
    await complete(user.id, before.challenge.id, '2026-05-10');
    const after = await api.as(user).challenges.daily();
    expect(after.challenge.id).toBe(before.challenge.id);
    expect(after).toMatchObject({ completed: true, pointsAwarded: 10 });
    expect(after.completedAt).toBeInstanceOf(Date);
  });

  it('rejects a signed-out caller with UNAUTHORIZED', async () => {
    await expectTrpcError(api.anonymous().challenges.daily(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});

describe('challenges.daily once the day is assigned', () => {
  /** A second call of the same instant: one statement, and the answer of the call that assigned. */
  async function dailyTwice(user: { id: string; role: 'user' | 'admin' }) {
    const first = await api.as(user).challenges.daily();
    const again = await countStatements(api.database, () => api.as(user).challenges.daily());
    return { first, again: again.result, statements: again.statements };
  }

  // Local midnights either side of DST changes, in order: New York springs forward at 07:00 UTC on
  // 8 March 2026, London falls back at 01:00 UTC on 25 October, Santiago skips its midnight of
  // 6 September (23:59:59 -04, then 01:00 -03), Havana that of 8 March; Kathmandu is UTC+05:45.
  const timelines: Record<string, [instant: string, day: string][]> = {
    'America/New_York': [
      ['2026-03-08T04:59:59Z', '2026-03-07'],
      ['2026-03-08T05:00:00Z', '2026-03-08'],
      ['2026-03-08T07:00:00Z', '2026-03-08'],
      ['2026-03-09T03:59:59Z', '2026-03-08'],
      ['2026-03-09T04:00:00Z', '2026-03-09'],
    ],
    'Europe/London': [
      ['2026-10-25T00:59:59Z', '2026-10-25'],
      ['2026-10-25T01:00:00Z', '2026-10-25'],
      ['2026-10-25T23:59:59Z', '2026-10-25'],
      ['2026-10-26T00:00:00Z', '2026-10-26'],
    ],
    'America/Santiago': [
      ['2026-09-06T03:59:59Z', '2026-09-05'],
      ['2026-09-06T04:00:00Z', '2026-09-06'],
    ],
    'America/Havana': [
      ['2026-03-08T04:59:59Z', '2026-03-07'],
      ['2026-03-08T05:00:00Z', '2026-03-08'],
    ],
    'Asia/Kathmandu': [
      ['2026-03-01T18:14:59Z', '2026-03-01'],
      ['2026-03-01T18:15:00Z', '2026-03-02'],
    ],
  };

  for (const [timezone, timeline] of Object.entries(timelines)) {
    it(`answers from one statement, as the assigning call did, across midnights and DST in ${timezone}`, async () => {
      const { language } = await pool(3);
      const user = await userIn(language, { timezone });
      for (const [instant, day] of timeline) {
        api.clock.set(instant);
        const { first, again, statements } = await dailyTwice(user);
        expect(first.day).toBe(day);
        expect(localDay(api.clock.now(), timezone)).toBe(day);
        expect(again).toEqual(first);
        expect(statements).toBe(1);
      }
      const days = [...new Set(timeline.map(([, day]) => day))];
      expect((await assignments(user.id)).map((a) => a.day)).toEqual(days);
    });
  }

  it('still answers for a time zone the runtime knows and PostgreSQL does not', async () => {
    // US/Pacific-New left the tz database in 2020; ICU still knows it as an alias of Los Angeles.
    await expect(api.database.db.execute(sql`select now() at time zone 'US/Pacific-New'`)).rejects.toThrow();
    const { language } = await pool(2);
    const user = await userIn(language, { timezone: 'US/Pacific-New' });
    api.clock.set('2026-03-03T05:00:00Z'); // 21:00 on 2 March in Los Angeles
    const { first, again } = await dailyTwice(user);
    expect(first.day).toBe('2026-03-02');
    expect(again).toEqual(first);
  });

  it("takes the day from the runtime when PostgreSQL reads the time zone otherwise, not the database's", async () => {
    // Written past validation, as a zone this runtime lacks would be: the runtime reads '+05:30' as
    // UTC (unknown zone) or UTC+05:30, PostgreSQL as the POSIX zone UTC-05:30.
    const { language } = await pool(3);
    const user = await userIn(language, { timezone: '+05:30' });
    api.clock.set('2026-03-01T12:00:00Z'); // 1 March for both
    const earlier = await api.as(user).challenges.daily();
    expect(earlier.day).toBe('2026-03-01');
    api.clock.set('2026-03-02T02:00:00Z'); // 2 March for the runtime, still 1 March for PostgreSQL
    const { first, again } = await dailyTwice(user);
    expect(first.day).toBe(localDay(api.clock.now(), '+05:30'));
    expect(first.day).toBe('2026-03-02');
    expect(first.challenge.id).not.toBe(earlier.challenge.id);
    expect(again).toEqual(first);
    expect((await assignments(user.id)).map((a) => a.day)).toEqual(['2026-03-01', '2026-03-02']);
  });

  it('answers USER_NOT_FOUND for a deleted account', async () => {
    const { language } = await pool(1);
    const user = await userIn(language);
    api.clock.set('2026-06-01T12:00:00Z');
    await api.as(user).challenges.daily();
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, user.id));
    await expectTrpcError(api.as(user).challenges.daily(), 'NOT_FOUND', 'USER_NOT_FOUND');
  });
});
