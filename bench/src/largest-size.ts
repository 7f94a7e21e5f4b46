import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_EMAIL, BENCH_PASSWORD } from './dataset.ts';
import { type Measurement, measure, trpc } from './load.ts';
import { startOurServer } from './processes.ts';
import { measureDelivery } from './realtime.ts';
import { round, type SoakMinute, slope, summarize } from './results.ts';
import { fmt, log, measureScenario, type Run, type SizeRun } from './run-context.ts';
import { loginWorkload, mixedWorkload, submitWorkload } from './scenarios.ts';

/**
 * What runs at the largest size only: sign-in and judging (4 connections each: argon2 and the judge are
 * the bottleneck, not the connections), two processes against one, real-time delivery across them, the soak.
 */
export async function largestSizePhases(run: Run, sr: SizeRun) {
  const { s } = run;
  if (s.scenarios.has('auth.login'))
    await measureScenario(run, sr, loginWorkload(sr.fixture, 4), s.durationSec * 2);
  if (s.scenarios.has('challenges.submit'))
    await measureScenario(run, sr, submitWorkload(sr.fixture, 4), s.durationSec * 2);
  if (s.scenarios.has('multi-process') || s.scenarios.has('realtime')) {
    const second = await startOurServer({
      label: 'ours-B',
      databaseUrl: sr.url,
      dataDir: mkdtempSync(path.join(run.tmp, 'ours-b-')),
      jwtSecret: run.jwtSecret,
      poolMax: s.poolMax,
    });
    try {
      if (s.scenarios.has('multi-process')) await compareProcesses(run, sr, second);
      if (s.scenarios.has('realtime')) await measureRealtime(run, sr, second);
    } finally {
      await second.stop();
    }
  }
  if (s.soakMinutes > 0) await soak(run, sr);
}

/** The mixed profile on one process and on two (connections split over both), in alternating rounds. */
async function compareProcesses(run: Run, sr: SizeRun, second: SizeRun['ours']) {
  const { s } = run;
  const both = [sr.ours, second];
  log(`  two processes (${s.connections} connections, mixed profile)`);
  // The first process has served every round so far; warm the second one's JIT and pool too.
  await measure(second, mixedWorkload(sr.fixture, s.connections), {
    durationSec: Math.max(3, s.durationSec),
  });
  await measure(both, mixedWorkload(sr.fixture, s.connections), { durationSec: s.warmupSec });
  const one: Measurement[] = [];
  const two: Measurement[] = [];
  for (let r = 0; r < s.rounds; r++) {
    for (const setup of r % 2 === 0 ? ['one', 'two'] : ['two', 'one']) {
      const m =
        setup === 'one'
          ? await measure(sr.ours, mixedWorkload(sr.fixture, s.connections, 'mixed, 1 process'), {
              durationSec: s.durationSec,
            })
          : await measure(both, mixedWorkload(sr.fixture, s.connections, 'mixed, 2 processes'), {
              durationSec: s.durationSec,
              label: 'ours+ours-B',
            });
      (setup === 'one' ? one : two).push(m);
      log(`    ${m.scenario.padEnd(22)} ${fmt(m)}`);
    }
  }
  const [so, st] = [summarize(one), summarize(two)];
  run.results.multiProcess = { size: sr.label, one: so, two: st, throughputGain: round(st.rps / so.rps, 2) };
}

/** inbox.send through one process, delivered over SSE by the other (both ways) and by the same one. */
async function measureRealtime(run: Run, sr: SizeRun, second: SizeRun['ours']) {
  const admin = await trpc(second.url, 'auth.login', {
    method: 'POST',
    input: { identifier: ADMIN_EMAIL, password: BENCH_PASSWORD, tokenDelivery: 'body' },
  });
  const adminToken = (admin.data as { accessToken?: string } | undefined)?.accessToken;
  if (!adminToken) throw new Error(`admin login failed (${admin.status})`);
  const count = run.s.mode === 'quick' ? 10 : 30;
  for (const [on, via] of [
    [sr.ours, second],
    [second, sr.ours],
    [sr.ours, sr.ours],
  ] as const) {
    const d = await measureDelivery({
      subscriberOn: on,
      sender: via,
      subscriber: sr.fixture.users[0]!,
      adminToken,
      count,
    });
    run.results.realtime.push(d);
    log(
      `    delivery ${on.label} ← ${via.label}: ${d.delivered}/${d.sent}, p50 ${d.latencyMs.p50} ms, p99 ${d.latencyMs.p99} ms`,
    );
  }
}

/** The mixed profile for `soakMinutes` one-minute runs: errors and the RSS trend. */
async function soak(run: Run, sr: SizeRun) {
  const { s } = run;
  log(`  soak: ${s.soakMinutes} min of the mixed profile`);
  const minutes: SoakMinute[] = [];
  for (let k = 1; k <= s.soakMinutes; k++) {
    const m = await measure(sr.ours, mixedWorkload(sr.fixture, s.connections, 'soak'), { durationSec: 60 });
    const { errors, eventLoopP99Ms } = m;
    minutes.push({
      minute: k,
      rps: round(m.rps, 1),
      p99: m.latency.p99,
      errors,
      rssEndMb: m.rss.endMb,
      rssMaxMb: m.rss.maxMb,
      eventLoopP99Ms,
    });
    log(`    minute ${k}: ${fmt(m)}  rss end ${m.rss.endMb} MB`);
  }
  run.results.soak = {
    size: sr.label,
    minutes,
    totalErrors: minutes.reduce((n, m) => n + m.errors, 0),
    rssSlopeMbPerMin: round(slope(minutes.map((m) => [m.minute, m.rssEndMb])), 2),
    rssMaxSlopeMbPerMin: round(slope(minutes.map((m) => [m.minute, m.rssMaxMb])), 2),
    rssGrowthMb: round(minutes.at(-1)!.rssEndMb - minutes[0]!.rssEndMb, 1),
  };
}
