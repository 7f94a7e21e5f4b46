import { type DatabaseHandle, schema } from '@skillbytes/db';
import { createTestDatabase } from '@skillbytes/db/testing';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from '../config.ts';
import { DomainError } from '../errors.ts';
import { consume, enforce, pruneRateLimits, refund, reset } from './rate-limit.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const T0 = new Date('2026-03-02T12:00:00Z').getTime();
/** The service context of a call made `sec` seconds in. */
const at = (sec: number) => ({ db: database.db, now: new Date(T0 + sec * 1000) });
let n = 0;
const bucket = () => `test:${++n}`;

const windowed: RateLimitPolicy = { limit: 3, windowSec: 60 };
const backoff: RateLimitPolicy = { limit: 3, windowSec: 3600, backoff: { baseSec: 1, maxSec: 8 } };

describe('consume', () => {
  it('admits `limit` attempts in a window, then refuses until the window ends, then resets', async () => {
    const b = bucket();
    for (let i = 0; i < 3; i++)
      expect(await consume(at(i), { bucket: b, policy: windowed })).toMatchObject({ allowed: true });
    expect(await consume(at(10), { bucket: b, policy: windowed })).toEqual({
      allowed: false,
      retryAfterSec: 50,
    });
    expect(await consume(at(59), { bucket: b, policy: windowed })).toEqual({
      allowed: false,
      retryAfterSec: 1,
    });
    expect(await consume(at(60), { bucket: b, policy: windowed })).toEqual({ allowed: true, hits: 1 });
  });

  it('with backoff, waits 1, 2, 4 ... seconds (capped) between attempts past the limit', async () => {
    const b = bucket();
    let t = 0;
    for (let i = 0; i < 3; i++)
      expect((await consume(at(t), { bucket: b, policy: backoff })).allowed).toBe(true);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const refused = await consume(at(t), { bucket: b, policy: backoff });
      expect(refused.allowed).toBe(false);
      const wait = (refused as { retryAfterSec: number }).retryAfterSec;
      waits.push(wait);
      t += wait;
      expect((await consume(at(t), { bucket: b, policy: backoff })).allowed).toBe(true);
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
  });

  it('a refused attempt does not extend the block', async () => {
    const b = bucket();
    for (let i = 0; i < 3; i++) await consume(at(0), { bucket: b, policy: windowed });
    for (let i = 0; i < 20; i++) await consume(at(30), { bucket: b, policy: windowed });
    expect((await consume(at(60), { bucket: b, policy: windowed })).allowed).toBe(true);
  });

  it('N + 5 concurrent attempts admit exactly N', async () => {
    const b = bucket();
    const policy: RateLimitPolicy = { limit: 7, windowSec: 60 };
    const results = await Promise.all(
      Array.from({ length: 12 }, () => consume(at(0), { bucket: b, policy })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
    const [row] = await database.db.select().from(schema.rateLimits).where(eq(schema.rateLimits.bucket, b));
    expect(row!.hits).toBe(7);
  });

  it('reset forgets a bucket; refund gives one attempt back and lifts a block it caused', async () => {
    const b = bucket();
    for (let i = 0; i < 3; i++) await consume(at(0), { bucket: b, policy: windowed });
    expect((await consume(at(1), { bucket: b, policy: windowed })).allowed).toBe(false);
    await refund(at(1), { bucket: b, policy: windowed });
    expect((await consume(at(1), { bucket: b, policy: windowed })).allowed).toBe(true);
    await reset(at(1), b);
    for (let i = 0; i < 3; i++)
      expect((await consume(at(2), { bucket: b, policy: windowed })).allowed).toBe(true);
  });

  it('enforce throws TOO_MANY_REQUESTS with the seconds to wait', async () => {
    const b = bucket();
    const logger = pino({ level: 'silent' });
    for (let i = 0; i < 3; i++) await enforce({ ...at(0), logger }, { bucket: b, policy: windowed });
    const error = await enforce({ ...at(15), logger }, { bucket: b, policy: windowed }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ appCode: 'RATE_LIMITED', details: { retryAfter: 45 } });
  });

  it('pruning removes only counters that can no longer matter', async () => {
    const stale = bucket();
    const live = bucket();
    await consume(at(0), { bucket: stale, policy: windowed });
    await consume(at(86_400), { bucket: live, policy: windowed });
    await pruneRateLimits(at(86_401 + 60));
    const left = await database.db.select({ b: schema.rateLimits.bucket }).from(schema.rateLimits);
    expect(left.map((r) => r.b)).toContain(live);
    expect(left.map((r) => r.b)).not.toContain(stale);
  });
});
