import { describe, expect, it } from 'vitest';
import { formatCount, isDeletedUser, parseCount } from '../src/dataset.ts';
import { packageOf } from '../src/profile.ts';
import { median, slope, summarize } from '../src/results.ts';
import { type Fixture, MIXED_WEIGHTS, mixedWorkload, readWorkload, sampleUsers } from '../src/scenarios.ts';
import type { Measurement } from '../src/load.ts';
import { targetRows, targetSummary } from '../src/targets.ts';

describe('bench helpers', () => {
  it('reads and writes dataset sizes as 10k, 100k, 1m', () => {
    expect(parseCount('10k')).toBe(10_000);
    expect(parseCount('1M')).toBe(1_000_000);
    expect(parseCount('2500')).toBe(2500);
    expect(() => parseCount('ten')).toThrow(/not a count/);
    expect(formatCount(100_000)).toBe('100k');
    expect(formatCount(1_000_000)).toBe('1m');
  });

  it('samples token users and login users from disjoint accounts, never deleted ones', () => {
    const size = 10_000;
    const tokens = sampleUsers(size, 200);
    const stride = Math.floor(size / 200);
    const logins = sampleUsers(size, 100, Math.floor(stride / 2));
    expect(new Set(tokens).size).toBe(200);
    expect(tokens.filter((i) => logins.includes(i))).toEqual([]);
    expect([...tokens, ...logins].filter(isDeletedUser)).toEqual([]);
    expect([...tokens, ...logins].every((i) => i >= 1 && i <= size)).toBe(true);
  });

  it('gives each connection its own users, so no user has two requests in flight', () => {
    const users = Array.from({ length: 20 }, (_, i) => ({ i, userId: `u${i}`, token: `t${i}`, daily: null }));
    const fixture: Fixture = { users, loginEmails: [] };
    const w = readWorkload('auth.me', fixture, 5);
    const owners = new Map<string, number>();
    for (let slot = 0; slot < 5; slot++) {
      for (let n = 0; n < 12; n++) {
        const token = w.plan(slot, n).headers.authorization!;
        expect(owners.get(token) ?? slot).toBe(slot);
        owners.set(token, slot);
      }
    }
    expect(owners.size).toBe(20);
  });

  it('weighs the mixed profile to 100 requests, mostly reads, and sends each path its input', () => {
    expect(MIXED_WEIGHTS.reduce((s, [, w]) => s + w, 0)).toBe(100);
    const users = [{ i: 1, userId: 'u', token: 't', daily: { challengeId: 'c', solution: 's', wrong: 'w' } }];
    const w = mixedWorkload({ users, loginEmails: [] }, 1);
    const seen = new Map<string, number>();
    for (let n = 0; n < 100; n++) {
      const p = w.plan(0, n);
      const key = `${p.method} ${p.path.split('?')[0]}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(seen.get('POST /trpc/challenges.submit')).toBe(1);
    expect(seen.get('GET /trpc/challenges.daily')).toBe(28);
    expect(seen.get('GET /trpc/leaderboard.top')).toBe(13);
  });

  it('summarises rounds by their medians and fits the soak RSS slope', () => {
    const m = (rps: number, p99: number) =>
      ({
        rps,
        latency: { p50: 1, p90: 2, p99, max: p99 * 2, mean: 1 },
        errors: 0,
        eventLoopP99Ms: 11,
        rss: { maxMb: rps },
        cpuMsPerRequest: 1,
      }) as unknown as Measurement;
    const s = summarize([m(100, 10), m(300, 30), m(200, 20)]);
    expect(s.rps).toBe(200);
    expect(s.p99).toBe(20);
    expect(s.max).toBe(60);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(
      slope([
        [1, 100],
        [2, 102],
        [3, 104],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [1, 100],
        [2, 100],
      ]),
    ).toBe(0);
  });

  it('names the package a profiled function belongs to', () => {
    expect(
      packageOf(
        'file:///work/main/node_modules/.pnpm/drizzle-orm@0.45.4_x/node_modules/drizzle-orm/sql/sql.js',
      ),
    ).toBe('drizzle-orm');
    expect(
      packageOf(
        'file:///work/main/node_modules/.pnpm/@trpc+server@11.25.2/node_modules/@trpc/server/dist/x.mjs',
      ),
    ).toBe('@trpc/server');
    expect(packageOf('file:///work/main/packages/api/src/trpc.ts')).toBe('@skillbytes/api');
    expect(packageOf('node:internal/streams/writable')).toBe('node:internal');
  });
});

describe('the targets summary', () => {
  const summary = (rps: number, p99: number, cpu: number) =>
    ({
      rounds: 3,
      rps,
      p50: p99 / 2,
      p99,
      max: p99,
      errors: 0,
      eventLoopP99Ms: null,
      rssMaxMb: 1,
      cpuMsPerRequest: cpu,
      dbCpuMsPerRequest: null,
    }) as const;
  const comparison = (size: string, scenario: string, ratioThroughput: number, ratioP99: number) => ({
    size,
    scenario,
    ours: summary(1000 / ratioThroughput, 40 * ratioP99, 0.5),
    floor: summary(1000, 40, 0.2),
    ratioThroughput,
    ratioP99,
    ratioCpu: 2.5,
  });
  const results = {
    floor: [
      comparison('10k', 'auth.me', 1.4, 1.9),
      comparison('100k', 'auth.me', 3, 3),
      comparison('1m', 'auth.me', 1.6, 1.2),
    ],
    scenarios: [
      {
        scenario: 'challenges.submit',
        size: '1m',
        rps: 45,
        latency: { p50: 80, p99: 150, max: 200 },
        errors: 0,
      },
    ],
    realtime: [
      {
        subscriberOn: 'ours',
        sentThrough: 'ours-B',
        sent: 30,
        delivered: 29,
        latencyMs: { p50: 5, p99: 20, max: 30 },
      },
    ],
    extras: [
      {
        name: 'judge-fairness.ts',
        exitCode: 0,
        seconds: 60,
        output: 'x\n  target victim p95 < 1000 ms: met (524 ms)\n  target other: NOT met (2 s)\n',
      },
      { name: 'cold-start.ts', exitCode: 1, seconds: 1, output: 'boom' },
    ],
  } as unknown as Parameters<typeof targetRows>[0];

  it('checks reads at the smallest and largest size only, writes against the baseline, and what extras print', () => {
    const rows = targetRows(results);
    expect(rows.map((r) => [r.target.split(':')[0], r.met])).toEqual([
      ['10k auth.me', true],
      ['1m auth.me', false],
      ['1m challenges.submit not worse than 2026-11-23-full (50 rps, p99 157 ms)', true],
      ['cross-process delivery not worse than 2026-11-23-full (p99 26.2 ms), none lost', false],
      ['judge-fairness.ts', true],
      ['judge-fairness.ts', false],
      ['cold-start.ts ran', false],
    ]);
    expect(targetSummary(rows)[0]).toBe('3 of 7 targets met.');
  });
});
