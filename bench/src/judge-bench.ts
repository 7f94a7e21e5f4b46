/**
 * Judge throughput and main-thread responsiveness, with the pool at the size the server uses.
 * Run: `node --import tsx src/judge-bench.ts` (bounded: about 20 s).
 */
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { defaultApiConfig } from '@skillbytes/api';
import type { TestCase } from '@skillbytes/shared';
import { createJudge, type JudgeSpec } from '@skillbytes/api/judge';

const THROUGHPUT_SECONDS = 8;
const MAX_SUBMISSIONS = 5000;

const workers = Math.max(1, availableParallelism() - 1);
const config = { ...defaultApiConfig().judge, workers };
const judge = createJudge(config);

/** A typical small challenge: 5 visible and 15 hidden tests. */
const tests: TestCase[] = Array.from({ length: 20 }, (_, i) => {
  const words = Array.from({ length: 5 + i }, (_, j) => `w${(i * 7 + j * 3) % 11}`);
  const counts: Record<string, number> = {};
  for (const w of words) counts[w] = (counts[w] ?? 0) + 1;
  return { input: [words.join(' ')], expectedOutput: counts };
});
const spec: JudgeSpec = {
  functionName: 'wordCount',
  tests: tests.slice(0, 5),
  hiddenTests: tests.slice(5),
  generator: null,
};
const solution = `function wordCount(text) {
  const counts = {};
  for (const word of text.split(' ')) counts[word] = (counts[word] ?? 0) + 1;
  return counts;
}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function throughput(): Promise<void> {
  // Start every worker before measuring.
  await Promise.all(Array.from({ length: workers * 2 }, () => judge.judge(spec, solution, 'submit')));

  const delay = monitorEventLoopDelay({ resolution: 1 });
  const latencies: number[] = [];
  let done = 0;
  const until = performance.now() + THROUGHPUT_SECONDS * 1000;
  const client = async () => {
    while (performance.now() < until && done < MAX_SUBMISSIONS) {
      const started = performance.now();
      const { verdict } = await judge.judge(spec, solution, 'submit');
      if (verdict.status !== 'accepted') throw new Error(`unexpected verdict ${verdict.status}`);
      latencies.push(performance.now() - started);
      done++;
    }
  };
  delay.enable();
  const started = performance.now();
  // Twice as many clients as workers keeps the queue fed without filling it.
  await Promise.all(Array.from({ length: workers * 2 }, client));
  const elapsed = (performance.now() - started) / 1000;
  delay.disable();

  latencies.sort((a, b) => a - b);
  console.log(
    `pool: ${workers} worker(s) on ${availableParallelism()} cores, timeout ${config.timeoutMs} ms`,
  );
  console.log(
    `throughput: ${(done / elapsed).toFixed(0)} submissions/s (${done} in ${elapsed.toFixed(1)} s, 20 tests each)`,
  );
  console.log(
    `latency per submission: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
  );
  console.log(
    `event-loop delay while judging: p50 ${ms(delay.percentile(50) / 1e6)}, p99 ${ms(delay.percentile(99) / 1e6)}, max ${ms(delay.max / 1e6)}`,
  );
}

async function timeLimits(): Promise<void> {
  const probe: JudgeSpec = { ...spec, hiddenTests: [] };
  for (const [label, code] of [
    ['TLE by interrupt (while (true) {})', 'function wordCount() { while (true) {} }'],
    ["TLE by watchdog (new Array(1e9) + '')", "function wordCount() { return new Array(1e9) + ''; }"],
  ] as const) {
    const started = performance.now();
    const { verdict } = await judge.judge(probe, code, 'run');
    const tle = performance.now() - started;
    const next = performance.now();
    const after = await judge.judge(probe, solution, 'run');
    console.log(
      `${label}: ${verdict.status} in ${ms(tle)}; next run ${after.verdict.status} in ${ms(performance.now() - next)}`,
    );
  }
}

try {
  await throughput();
  await timeLimits();
} finally {
  await judge.close();
}
