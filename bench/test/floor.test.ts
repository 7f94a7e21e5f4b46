/**
 * The floor is only a fair baseline if it does what our procedures do. These tests hold it to that:
 * the same SQL statements (captured from our router as it runs), the same response bodies byte for
 * byte, and the same refusal of requests without a valid session. PostgreSQL only: the floor is a `pg`
 * server (it runs when TEST_DATABASE_URL is set, as in CI's second pass).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmptyPgDatabase } from '@skillbytes/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatabase } from '../src/dataset.ts';
import { startFloor } from '../src/floor.ts';
import { trpc } from '../src/load.ts';
import { type ServerProcess, startOurServer } from '../src/processes.ts';
import { READ_SCENARIOS, signIn } from '../src/scenarios.ts';
import { captureQueries, createSqlCapturer, type SqlCapturer } from '../src/sql-capture.ts';
import { pgClient } from '../src/sql-client.ts';

const adminUrl = process.env.TEST_DATABASE_URL;
const normalise = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A request's own instant (`challenges.daily` passes it) differs between two calls: compared apart. */
const valuesOf = (q: { values: unknown[] }) =>
  q.values.map((v) => (INSTANT.test(String(v)) ? 'instant' : String(v)));
const instantsOf = (queries: { values: unknown[] }[]) =>
  queries.flatMap((q) => q.values.filter((v) => INSTANT.test(String(v))).map((v) => Date.parse(String(v))));

describe.skipIf(!adminUrl)('the floor', () => {
  const jwtSecret = randomBytes(32).toString('base64url');
  let db: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let ours: ServerProcess;
  let floor: Awaited<ReturnType<typeof startFloor>>;
  let floorUrl: string;
  let capturer: SqlCapturer;
  let users: { i: number; userId: string; token: string }[];

  beforeAll(async () => {
    db = await createEmptyPgDatabase(adminUrl!);
    await loadDatabase({ url: db.url }, { users: 200, seed: 3, challenges: 40, broadcasts: 25 });
    const client = await pgClient(db.url);
    // The ranking has branches: the top of the board, someone in the middle, someone without points
    // this week, and the same for this month.
    const picks: number[] = [];
    try {
      const inPeriod = (table: string, start: string, unit: string) => `exists (select 1 from ${table} p
        where p.user_id = u.id and p.${start} = date_trunc('${unit}', now() at time zone 'UTC')::date)`;
      const thisWeek = inPeriod('weekly_points', 'week_start', 'week');
      const thisMonth = inPeriod('monthly_points', 'month_start', 'month');
      for (const where of [
        `true order by points desc`,
        `${thisWeek} order by points`,
        `not ${thisWeek} order by points`,
        `${thisMonth} order by points desc`,
        `not ${thisMonth} order by points desc`,
      ]) {
        const [row] = await client.query<{ email: string }>(
          `select email from users u where deleted_at is null and role = 'user' and ${where} limit 1`,
        );
        picks.push(Number(/^user(\d+)@/.exec(row!.email)![1]));
      }
      // And the branches of the day and streak rules: a zone change that took over an hour ago with a
      // day floor, and a streak whose missed days outnumber its freezes (auth.me shows 0), or do not.
      for (const [n, lastDay, freezes] of [
        [150, 5, 1],
        [151, 2, 2],
      ] as const) {
        await client.query(
          `update users set pending_timezone = 'Asia/Tokyo', pending_timezone_at = now() - interval '1 hour',
             day_floor = (now() at time zone 'Asia/Tokyo')::date - 1, current_streak = 4, best_streak = 9,
             last_completion_day = (now() at time zone 'Asia/Tokyo')::date - ${lastDay}, freezes_held = ${freezes}
           where email = 'user${n}@bench.local'`,
        );
        picks.push(n);
      }
    } finally {
      await client.close();
    }
    dataDir = mkdtempSync(path.join(tmpdir(), 'sb-floor-test-'));
    ours = await startOurServer({ databaseUrl: db.url, dataDir, jwtSecret, poolMax: 4 });
    floor = await startFloor({
      databaseUrl: db.url,
      jwtSecret,
      port: 0,
      poolMax: 4,
      sessionIdleTtlSec: 14 * 86400,
    });
    floorUrl = `http://127.0.0.1:${floor.port}`;
    users = await signIn(ours.url, picks, 3);
    const kid = createHash('sha256').update(jwtSecret).digest('base64url').slice(0, 10);
    capturer = await createSqlCapturer(db.url, {
      jwtKeys: [{ kid, secret: new TextEncoder().encode(jwtSecret) }],
    });
  });

  afterAll(async () => {
    await capturer?.close();
    await floor?.close();
    await ours?.stop();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  for (const [name, request] of Object.entries(READ_SCENARIOS)) {
    it(`answers ${name} with the same body as our server`, async () => {
      for (const user of users) {
        const a = await trpc(ours.url, request.procedure, { input: request.input, token: user.token });
        const b = await trpc(floorUrl, request.procedure, { input: request.input, token: user.token });
        expect(a.status).toBe(200);
        expect(b.status).toBe(200);
        expect(JSON.stringify(b.body)).toBe(JSON.stringify(a.body));
      }
    });

    it(`sends PostgreSQL the same statements as our ${name}`, async () => {
      const signed = await capturer.signIn('user100@bench.local');
      const theirs = await capturer.capture(request);
      const mine = await captureQueries(() =>
        trpc(floorUrl, request.procedure, { input: request.input, token: signed.accessToken }),
      );
      expect(mine.result.status).toBe(200);
      expect(mine.queries.map((q) => normalise(q.text))).toEqual(
        theirs.queries.map((q) => normalise(q.text)),
      );
      expect(mine.queries.map(valuesOf)).toEqual(theirs.queries.map(valuesOf));
      // The same instant up to the time between the two calls (a wide margin on a busy machine).
      const [a, b] = [instantsOf(mine.queries), instantsOf(theirs.queries)];
      expect(a).toHaveLength(b.length);
      for (const [i, t] of a.entries()) expect(Math.abs(t - b[i]!)).toBeLessThan(60_000);
    });
  }

  it('refuses a request without a token, with a forged token, and with a revoked session', async () => {
    expect((await trpc(floorUrl, 'auth.me')).status).toBe(401);
    const token = users[0]!.token;
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    expect((await trpc(floorUrl, 'auth.me', { token: forged })).status).toBe(401);

    const [victim] = await signIn(ours.url, [120], 1);
    expect((await trpc(floorUrl, 'auth.me', { token: victim!.token })).status).toBe(200);
    expect((await trpc(ours.url, 'auth.logout', { method: 'POST', token: victim!.token })).status).toBe(200);
    expect((await trpc(floorUrl, 'auth.me', { token: victim!.token })).status).toBe(401);
  });
});
