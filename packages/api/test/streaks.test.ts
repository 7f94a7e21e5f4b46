import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSubmission } from '../src/challenges/submit.ts';
import { defaultApiConfig } from '../src/config.ts';
import { createJudge } from '../src/judge/index.ts';
import { addDays } from '../src/lib/local-day.ts';
import { expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';
import { errorDataOf } from './trpc-errors.ts';

const judge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 10_000, testTimeoutMs: 1500 });

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ judge });
});
afterAll(() => api?.close());

const ADD = 'function add(a, b) { return a + b; }';
type User = Awaited<ReturnType<TestApi['createUser']>>;

/** A user with `n` challenges of their own language, so every day has a fresh one to assign. */
async function userWithPool(n: number, values: Partial<typeof schema.users.$inferInsert> = {}) {
  const language = `lang-${randomUUID().slice(0, 8)}`;
  for (let i = 0; i < n; i++) await insertChallenge(api.database.db, { language });
  return api.createUser({ language, ...values });
}

/** At `instant`: the day's assignment, then an accepted submit of it, both through the router. */
async function solveAt(user: User, instant: string) {
  api.clock.set(instant);
  const daily = await api.as(user).challenges.daily();
  const result = await api.as(user).challenges.submit({ challengeId: daily.challenge.id, code: ADD });
  expect(result.verdict.status).toBe('accepted');
  return { day: daily.day, result };
}

/** Solves every day from `first`, `count` days, at `hourUtc` o'clock UTC. */
async function solveDays(user: User, first: string, count: number, hourUtc = 12) {
  let last: Awaited<ReturnType<typeof solveAt>> | undefined;
  for (let i = 0; i < count; i++) {
    last = await solveAt(user, `${addDays(first, i)}T${String(hourUtc).padStart(2, '0')}:00:00Z`);
  }
  return last!;
}

async function streakRows(userId: string) {
  const sd = schema.streakDays;
  return api.database.db
    .select({ day: sd.day, kind: sd.kind, streak: sd.streak, freezes: sd.freezes, earned: sd.earnedFreeze })
    .from(sd)
    .where(eq(sd.userId, userId))
    .orderBy(asc(sd.day));
}

async function assignments(userId: string) {
  const da = schema.dailyAssignments;
  const rows = await api.database.db
    .select({ day: da.day })
    .from(da)
    .where(eq(da.userId, userId))
    .orderBy(asc(da.day));
  return rows.map((r) => r.day);
}

async function calendarDay(user: User, date: string) {
  const { days } = await api.as(user).challenges.calendar({ from: date, to: date });
  return days[0]!;
}

describe('streak freezes', () => {
  it('earns a freeze on the 7th solved day in a row and spends it on a missed day', async () => {
    const user = await userWithPool(9);
    const seventh = await solveDays(user, '2026-04-01', 7);
    expect(seventh.result.streak).toEqual({ current: 7, best: 7 });
    expect(await api.as(user).challenges.status()).toMatchObject({
      currentStreak: 7,
      freezes: { held: 1, max: 2 },
    });
    // 2026-04-08 missed. On the 9th, before any completion, reads already count the 8th as frozen.
    api.clock.set('2026-04-09T09:00:00Z');
    expect(await api.as(user).challenges.status()).toMatchObject({
      currentStreak: 7,
      freezes: { held: 0, max: 2 },
    });
    expect((await api.as(user).auth.me()).currentStreak).toBe(7);
    expect(await calendarDay(user, '2026-04-08')).toEqual({
      date: '2026-04-08',
      assigned: false,
      solved: false,
      frozen: true,
    });
    const ninth = await solveAt(user, '2026-04-09T10:00:00Z');
    expect(ninth.result.streak).toEqual({ current: 8, best: 8 });
    // The frozen day is a row now, and the calendar says the same as before.
    const rows = await streakRows(user.id);
    expect(rows.find((r) => r.day === '2026-04-07')).toMatchObject({
      kind: 'solved',
      earned: true,
      freezes: 1,
    });
    expect(rows.find((r) => r.day === '2026-04-08')).toMatchObject({ kind: 'frozen', streak: 7, freezes: 0 });
    expect(rows.find((r) => r.day === '2026-04-09')).toMatchObject({ kind: 'solved', streak: 8, freezes: 0 });
    expect((await calendarDay(user, '2026-04-08')).frozen).toBe(true);
  });

  it('holds at most 2, and covers several missed days in a row with them', async () => {
    const user = await userWithPool(23);
    await solveDays(user, '2026-05-01', 21);
    const rows = await streakRows(user.id);
    // Earned on the 7th and 14th days; the 21st comes at the cap and earns nothing.
    expect(rows.filter((r) => r.earned).map((r) => r.day)).toEqual(['2026-05-07', '2026-05-14']);
    expect((await api.as(user).challenges.status()).freezes).toEqual({ held: 2, max: 2 });
    // 22nd and 23rd missed: both frozen, the streak goes on.
    const back = await solveAt(user, '2026-05-24T12:00:00Z');
    expect(back.result.streak).toEqual({ current: 22, best: 22 });
    const after = await streakRows(user.id);
    expect(after.filter((r) => r.kind === 'frozen').map((r) => r.day)).toEqual(['2026-05-22', '2026-05-23']);
    expect((await api.as(user).challenges.status()).freezes).toEqual({ held: 0, max: 2 });
    const { days } = await api.as(user).challenges.calendar({ from: '2026-05-20', to: '2026-05-25' });
    expect(days.map((d) => [d.date, d.solved, d.frozen])).toEqual([
      ['2026-05-20', true, false],
      ['2026-05-21', true, false],
      ['2026-05-22', false, true],
      ['2026-05-23', false, true],
      ['2026-05-24', true, false],
      ['2026-05-25', false, false],
    ]);
  });

  it('resets the streak when a missed day has no freeze left (auth.me shows 0)', async () => {
    const user = await userWithPool(9);
    await solveDays(user, '2026-06-01', 7);
    // 8th frozen by the one freeze, 9th missed with none left.
    api.clock.set('2026-06-10T12:00:00Z');
    expect(await api.as(user).challenges.status()).toMatchObject({
      currentStreak: 0,
      bestStreak: 7,
      freezes: { held: 0, max: 2 },
    });
    expect(await api.as(user).auth.me()).toMatchObject({ currentStreak: 0, bestStreak: 7 });
    const again = await solveAt(user, '2026-06-10T13:00:00Z');
    expect(again.result.streak).toEqual({ current: 1, best: 7 });
    const { days } = await api.as(user).challenges.calendar({ from: '2026-06-08', to: '2026-06-10' });
    expect(days.map((d) => d.frozen)).toEqual([true, false, false]);
  });

  it('shows 0 without any freeze the day after yesterday was missed', async () => {
    const user = await userWithPool(3);
    await solveDays(user, '2026-06-01', 2);
    api.clock.set('2026-06-03T23:00:00Z');
    expect((await api.as(user).auth.me()).currentStreak).toBe(2);
    api.clock.set('2026-06-04T00:30:00Z');
    expect((await api.as(user).auth.me()).currentStreak).toBe(0);
    expect((await api.as(user).challenges.status()).currentStreak).toBe(0);
  });

  it('covers a missed day across the DST change (America/New_York, 2026-03-08)', async () => {
    const user = await userWithPool(9, { timezone: 'America/New_York' });
    // Local noon, EST (UTC−5), 1st to 7th of March.
    await solveDays(user, '2026-03-01', 7, 17);
    // 23:30 EDT on the 8th (the 23-hour day): still the 8th, the freeze not spent yet.
    api.clock.set('2026-03-09T03:30:00Z');
    expect(await api.as(user).challenges.status()).toMatchObject({ currentStreak: 7, freezes: { held: 1 } });
    // 00:30 EDT on the 9th.
    const ninth = await solveAt(user, '2026-03-09T04:30:00Z');
    expect(ninth.day).toBe('2026-03-09');
    expect(ninth.result.streak.current).toBe(8);
    expect((await streakRows(user.id)).find((r) => r.day === '2026-03-08')?.kind).toBe('frozen');
  });

  it('concurrent completions on one day advance the streak once', async () => {
    const user = await userWithPool(0);
    const language = user.language;
    const challenges = await Promise.all(
      Array.from({ length: 6 }, () => insertChallenge(api.database.db, { language })),
    );
    const completeAll = (at: string) =>
      Promise.all(
        challenges.map((ch) =>
          recordSubmission(api.services, {
            userId: user.id,
            challengeId: ch.id,
            points: 10,
            code: ADD,
            language: 'javascript',
            verdict: { status: 'accepted', passed: 3, total: 3, durationMs: 1 },
            seed: 1,
            judgeVersion: 'test',
            durationMs: 1,
            at: new Date(at),
          }),
        ),
      );
    const first = await completeAll('2026-07-01T12:00:00Z');
    expect(first.every((r) => r.firstCompletion)).toBe(true);
    expect(first.map((r) => r.streak)).toEqual(Array(6).fill({ current: 1, best: 1 }));
    expect(await streakRows(user.id)).toEqual([
      { day: '2026-07-01', kind: 'solved', streak: 1, freezes: 0, earned: false },
    ]);
    const [row] = await api.database.db.select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row).toMatchObject({
      points: 60,
      currentStreak: 1,
      solvedRun: 1,
      lastCompletionDay: '2026-07-01',
    });
  });
});

describe('challenges.calendar', () => {
  it('defaults to the last 365 days ending today, oldest first', async () => {
    const user = await userWithPool(2);
    await solveAt(user, '2026-08-10T12:00:00Z');
    const { days } = await api.as(user).challenges.calendar();
    expect(days).toHaveLength(365);
    expect(days[0]!.date).toBe('2025-08-11');
    expect(days.at(-1)).toEqual({ date: '2026-08-10', assigned: true, solved: true, frozen: false });
    // Consecutive dates, each once.
    for (let i = 1; i < days.length; i++) expect(days[i]!.date).toBe(addDays(days[i - 1]!.date, 1));
  });

  it('takes a range of up to 366 days, either end alone', async () => {
    const user = await userWithPool(1);
    api.clock.set('2026-08-10T12:00:00Z');
    const caller = api.as(user).challenges;
    expect((await caller.calendar({ from: '2025-08-10', to: '2026-08-10' })).days).toHaveLength(366);
    expect((await caller.calendar({ from: '2026-08-01' })).days).toHaveLength(10);
    const { days } = await caller.calendar({ to: '2026-01-31' });
    expect(days).toHaveLength(365);
    expect(days.at(-1)!.date).toBe('2026-01-31');
    // 2024 is a leap year: 29 February exists, and 366 days span it.
    expect((await caller.calendar({ from: '2024-02-29', to: '2024-03-01' })).days).toHaveLength(2);
  });

  it('refuses bad ranges and bad dates with stable codes', async () => {
    const user = await userWithPool(1);
    api.clock.set('2026-08-10T12:00:00Z');
    const caller = api.as(user).challenges;
    await expectTrpcError(
      caller.calendar({ from: '2025-08-09', to: '2026-08-10' }),
      'BAD_REQUEST',
      'CALENDAR_RANGE_INVALID',
    );
    await expectTrpcError(caller.calendar({ from: '2020-01-01' }), 'BAD_REQUEST', 'CALENDAR_RANGE_INVALID');
    // `to` defaults to today: a `from` after it is a reversed range.
    await expectTrpcError(caller.calendar({ from: '2026-08-11' }), 'BAD_REQUEST', 'CALENDAR_RANGE_INVALID');
    await expectTrpcError(
      caller.calendar({ from: '2026-08-10', to: '2026-08-01' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    for (const bad of [
      '2026-02-30',
      '2026-2-01',
      '2026-13-01',
      'yesterday',
      '2026-01-01\u0000',
      '\ud800',
      '',
    ]) {
      await expectTrpcError(caller.calendar({ from: bad }), 'BAD_REQUEST', 'VALIDATION_FAILED');
      await expectTrpcError(caller.calendar({ to: bad }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    }
    // The far ends of the calendar: whole ranges, no endless walk past year 9999, no year 0.
    expect((await caller.calendar({ from: '9999-12-30', to: '9999-12-31' })).days.map((d) => d.date)).toEqual(
      ['9999-12-30', '9999-12-31'],
    );
    expect((await caller.calendar({ to: '1000-01-01' })).days).toHaveLength(365);
    await expectTrpcError(caller.calendar({ from: '0000-01-01' }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectTrpcError(
      caller.calendar({ from: '2026-01-01', extra: 1 } as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(api.anonymous().challenges.calendar(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });
});

describe('time zone changes', () => {
  it('moving west takes effect the next local day, never re-lives a closed day, once a week', async () => {
    // Pacific/Kiritimati is UTC+14, Etc/GMT+12 is UTC−12.
    const user = await userWithPool(6, { timezone: 'Pacific/Kiritimati' });
    const solved = await solveAt(user, '2026-05-10T00:00:00Z');
    expect(solved.day).toBe('2026-05-10');
    const me = await api.as(user).auth.updateProfile({ timezone: 'Etc/GMT+12' });
    expect(me).toMatchObject({
      timezone: 'Pacific/Kiritimati',
      pendingTimezone: 'Etc/GMT+12',
      // 00:00 on 11 May in Kiritimati.
      pendingTimezoneAt: new Date('2026-05-10T10:00:00Z'),
    });
    // Still the 10th in the old zone: the same assignment.
    api.clock.set('2026-05-10T09:59:00Z');
    expect((await api.as(user).challenges.daily()).day).toBe('2026-05-10');
    // In effect: in UTC−12 it is the 9th, then the 10th, yet the day stays the 11th, once.
    const days: string[] = [];
    for (const at of ['2026-05-10T11:00:00Z', '2026-05-10T23:00:00Z', '2026-05-11T23:00:00Z']) {
      api.clock.set(at);
      days.push((await api.as(user).challenges.daily()).day);
    }
    expect(days).toEqual(['2026-05-11', '2026-05-11', '2026-05-11']);
    expect((await api.as(user).auth.me()).timezone).toBe('Etc/GMT+12');
    expect((await api.as(user).auth.me()).pendingTimezone).toBeNull();
    api.clock.set('2026-05-12T12:00:00Z');
    expect((await api.as(user).challenges.daily()).day).toBe('2026-05-12');
    expect(await assignments(user.id)).toEqual(['2026-05-10', '2026-05-11', '2026-05-12']);

    // A second change within the week is refused, saying when; after it, allowed.
    api.clock.set('2026-05-16T23:00:00Z');
    const tooSoon = await expectTrpcError(
      api.as(user).auth.updateProfile({ timezone: 'Europe/Paris' }),
      'TOO_MANY_REQUESTS',
      'TIMEZONE_CHANGE_TOO_SOON',
    );
    expect(errorDataOf(tooSoon).details).toEqual({ allowedAt: '2026-05-17T00:00:00.000Z', retryAfter: 3600 });
    api.clock.set('2026-05-17T00:00:00Z');
    expect((await api.as(user).auth.updateProfile({ timezone: 'Europe/Paris' })).pendingTimezone).toBe(
      'Europe/Paris',
    );
  });

  it('moving west cannot save a day the old zone had closed', async () => {
    const user = await userWithPool(4, { timezone: 'Pacific/Kiritimati' });
    await solveAt(user, '2026-05-09T00:00:00Z'); // the 9th in Kiritimati
    // 01:00 on the 11th in Kiritimati: the 10th was missed there. In UTC−12 it would be the 10th.
    api.clock.set('2026-05-10T11:00:00Z');
    await api.as(user).auth.updateProfile({ timezone: 'Etc/GMT+12' });
    expect((await api.as(user).challenges.status()).currentStreak).toBe(0);
    const late = await solveAt(user, '2026-05-10T11:30:00Z');
    expect(late.day).toBe('2026-05-11');
    expect(late.result.streak).toEqual({ current: 1, best: 1 });
    // Once in effect (00:00 on the 12th in Kiritimati), UTC−12 is on the 11th: the floor holds the 12th.
    api.clock.set('2026-05-11T10:30:00Z');
    expect((await api.as(user).challenges.daily()).day).toBe('2026-05-12');
    expect(await assignments(user.id)).toEqual(['2026-05-09', '2026-05-11', '2026-05-12']);
    const rows = await streakRows(user.id);
    expect(rows.map((r) => [r.day, r.kind])).toEqual([
      ['2026-05-09', 'solved'],
      ['2026-05-11', 'solved'],
    ]);
  });

  it('moving east skips a day without an extra assignment and without counting it as missed', async () => {
    const user = await userWithPool(5, { timezone: 'Etc/GMT+12' });
    const first = await solveAt(user, '2026-06-01T20:00:00Z'); // 08:00 on the 1st in UTC−12
    expect(first.day).toBe('2026-06-01');
    const me = await api.as(user).auth.updateProfile({ timezone: 'Pacific/Kiritimati' });
    // From 00:00 on the 2nd in UTC−12, which is 02:00 on the 3rd in Kiritimati: the 2nd is skipped.
    expect(me.pendingTimezoneAt).toEqual(new Date('2026-06-02T12:00:00Z'));
    api.clock.set('2026-06-02T11:59:00Z');
    expect((await api.as(user).challenges.daily()).day).toBe('2026-06-01');
    const third = await solveAt(user, '2026-06-02T13:00:00Z');
    expect(third.day).toBe('2026-06-03');
    expect(third.result.streak).toEqual({ current: 2, best: 2 });
    expect((await api.as(user).challenges.status()).freezes.held).toBe(0);
    expect(await assignments(user.id)).toEqual(['2026-06-01', '2026-06-03']);
    const { days } = await api.as(user).challenges.calendar({ from: '2026-06-01', to: '2026-06-03' });
    expect(days).toEqual([
      { date: '2026-06-01', assigned: true, solved: true, frozen: false },
      { date: '2026-06-02', assigned: false, solved: false, frozen: false },
      { date: '2026-06-03', assigned: true, solved: true, frozen: false },
    ]);
    const rows = await streakRows(user.id);
    expect(rows.map((r) => [r.day, r.kind])).toEqual([
      ['2026-06-01', 'solved'],
      ['2026-06-02', 'skipped'],
      ['2026-06-03', 'solved'],
    ]);
  });

  it('concurrent changes: exactly one is scheduled, the others are told when to come back', async () => {
    const user = await userWithPool(1, { timezone: 'Europe/Paris' });
    await solveAt(user, '2026-09-01T12:00:00Z');
    const zones = ['Asia/Tokyo', 'America/Chicago', 'Australia/Sydney', 'Africa/Cairo', 'Asia/Kolkata'];
    const settled = await Promise.allSettled(
      zones.map((timezone) => api.as(user).auth.updateProfile({ timezone })),
    );
    const scheduled = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(scheduled).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') {
        await expectTrpcError(Promise.reject(s.reason), 'TOO_MANY_REQUESTS', 'TIMEZONE_CHANGE_TOO_SOON');
      }
    }
    const [row] = await api.database.db
      .select({ pending: schema.users.pendingTimezone })
      .from(schema.users)
      .where(eq(schema.users.id, user.id));
    expect(row!.pending).toBe(scheduled[0]!.pendingTimezone);
  });

  it('applies at once for a user who was never assigned a day, and ignores a change to the same zone', async () => {
    const user = await api.createUser({ timezone: 'Europe/Paris' });
    api.clock.set('2026-09-01T12:00:00Z');
    expect(await api.as(user).auth.updateProfile({ timezone: 'Asia/Tokyo' })).toMatchObject({
      timezone: 'Asia/Tokyo',
      pendingTimezone: null,
    });
    expect(await api.as(user).auth.updateProfile({ timezone: 'Asia/Tokyo' })).toMatchObject({
      timezone: 'Asia/Tokyo',
    });
    const [row] = await api.database.db
      .select({ changedAt: schema.users.timezoneChangedAt })
      .from(schema.users)
      .where(and(eq(schema.users.id, user.id)));
    expect(row!.changedAt).toBeNull();
  });
});
