/**
 * Judge fairness through the real API: a victim's accepted submits while four other accounts keep
 * submitting spin loops (`for (;;) {}`) as fast as the API lets them (submit, and `run` when the
 * submit budget says wait). The server runs as a child process with its default judge pool, on the
 * embedded database (or a database of its own on BENCH_DATABASE_URL's server, dropped after), seeded
 * with the starter pool.
 *
 * The submit budget is raised for this run (JUDGE_SUBMITS_PER_CHALLENGE) so the attackers are limited
 * by nothing but the judge itself: the fair queue alone must keep the victim fast. Two attacks: code
 * that never ends, and code that runs just under the per-test limit (and passes). The response
 * quantum (JUDGE_SUBMIT_QUANTUM_MS, 500 ms) stays on, so the figures are what a user sees: a
 * submit answers at 500 ms at the earliest. Target: p95 < 1 s.
 * Run: `node --import tsx src/judge-fairness.ts` (bounded: about a minute).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { loadStarterChallenges } from '@skillbytes/db';
import { createEmptyPgDatabase } from '@skillbytes/db/testing';
import { trpc } from './load.ts';
import { startOurServer, stopAllServers } from './processes.ts';
import { percentile } from './results.ts';

const ATTACKERS = 4;
const VICTIM_SUBMITS = 40;
const BASELINE_SUBMITS = 15;
const PASSWORD = 'fair queue marble kettle 42';

type Account = { token: string; challengeId: string; functionName: string; slug: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function account(url: string, n: number): Promise<Account> {
  const email = `fair-${n}-${Date.now().toString(36)}@bench.local`;
  const signup = await trpc(url, 'auth.signup', {
    method: 'POST',
    input: { email, password: PASSWORD, tokenDelivery: 'body' },
  });
  const token = (signup.data as { accessToken?: string } | undefined)?.accessToken;
  if (!token) throw new Error(`sign-up failed: ${JSON.stringify(signup.body)}`);
  const daily = await trpc(url, 'challenges.daily', { token });
  const challenge = (daily.data as { challenge?: { id: string; functionName: string; slug: string } })
    ?.challenge;
  if (!challenge) throw new Error(`no daily challenge: ${JSON.stringify(daily.body)}`);
  return { token, challengeId: challenge.id, functionName: challenge.functionName, slug: challenge.slug };
}

const retryAfterOf = (body: unknown) =>
  (body as { error?: { json?: { data?: { details?: { retryAfter?: number } } } } })?.error?.json?.data
    ?.details?.retryAfter;

/** Code that never ends, and code that runs just under the per-test limit (1 s by default) and passes. */
const ATTACKS = {
  'spin loops': (fn: string) => `function ${fn}() { for (;;) {} }`,
  'runs just under the limit': (fn: string) =>
    `function ${fn}() { const end = Date.now() + 950; while (Date.now() < end) {} return 0; }`,
} as const;

async function attack(
  url: string,
  who: Account,
  code: string,
  until: () => boolean,
  counts: Record<string, number>,
) {
  while (!until()) {
    for (const procedure of ['challenges.submit', 'challenges.run'] as const) {
      const r = await trpc(url, procedure, {
        method: 'POST',
        token: who.token,
        input: { challengeId: who.challengeId, code },
      });
      const key = r.status === 200 ? `${procedure} judged` : `${procedure} ${r.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
      if (r.status === 200) break;
      if (procedure === 'challenges.run') await sleep(Math.min(1000, (retryAfterOf(r.body) ?? 0.05) * 1000));
    }
  }
}

async function victimLatencies(url: string, victim: Account, solution: string, n: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const r = await trpc(url, 'challenges.submit', {
      method: 'POST',
      token: victim.token,
      input: { challengeId: victim.challengeId, code: `${solution}\n// ${i}` },
    });
    const status = (r.data as { verdict?: { status?: string } })?.verdict?.status;
    if (status !== 'accepted') throw new Error(`victim's submit was not accepted: ${JSON.stringify(r.body)}`);
    latencies.push(performance.now() - started);
    await sleep(50);
  }
  return latencies.sort((a, b) => a - b);
}

const summary = (label: string, l: number[]) =>
  `${label}: n ${l.length}, p50 ${percentile(l, 50).toFixed(0)} ms, p95 ${percentile(l, 95).toFixed(0)} ms, max ${l.at(-1)?.toFixed(0)} ms`;

const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-fairness-'));
const adminUrl = process.env.BENCH_DATABASE_URL;
const database = adminUrl ? await createEmptyPgDatabase(adminUrl) : undefined;
const workers = Math.min(8, Math.max(4, availableParallelism() * 2));
try {
  const server = await startOurServer({
    label: 'fairness',
    databaseUrl: database?.url,
    dataDir,
    jwtSecret: randomBytes(32).toString('hex'),
    poolMax: 10,
    env: {
      SEED_STARTER_POOL: 'true',
      JUDGE_WORKERS: String(workers),
      JUDGE_SUBMITS_PER_CHALLENGE: '10000',
      JUDGE_RUNS_PER_MINUTE: '10000',
      SIGNUPS_PER_IP_PER_HOUR: '1000',
    },
  });
  const solutions = new Map((await loadStarterChallenges()).map((c) => [c.slug, c.solution ?? '']));
  const victim = await account(server.url, 0);
  const solution = solutions.get(victim.slug);
  if (!solution) throw new Error(`no reference solution for ${victim.slug}`);
  const attackers = await Promise.all(
    Array.from({ length: ATTACKERS }, (_, i) => account(server.url, i + 1)),
  );

  console.log(`server: ${workers} judge workers on ${availableParallelism()} cores, default time limits`);
  const alone = await victimLatencies(server.url, victim, solution, BASELINE_SUBMITS);
  console.log(summary('victim alone', alone));

  for (const [name, codeFor] of Object.entries(ATTACKS)) {
    let done = false;
    const counts: Record<string, number> = {};
    const attacks = attackers.map((a) => attack(server.url, a, codeFor(a.functionName), () => done, counts));
    await sleep(3000); // let the attackers reach a steady state (charges earned, queue full)
    const contended = await victimLatencies(server.url, victim, solution, VICTIM_SUBMITS);
    done = true;
    await Promise.all(attacks);
    console.log(summary(`victim with ${ATTACKERS} accounts submitting ${name}`, contended));
    console.log(
      `  attackers' requests: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    const p95 = percentile(contended, 95);
    console.log(`  target victim p95 < 1000 ms: ${p95 < 1000 ? 'met' : 'NOT met'} (${p95.toFixed(0)} ms)`);
  }
} finally {
  await stopAllServers();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
