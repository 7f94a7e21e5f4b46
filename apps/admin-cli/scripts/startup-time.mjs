// How long `skillbytes-admin --help` takes to print, side by side with a bare `node -e ""` in the same
// moment (the machine is shared, so the difference is the figure that holds). Medians of --runs runs.
//   node scripts/startup-time.mjs [--runs 30]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 30;
const bundle = fileURLToPath(new URL('../dist/skillbytes-admin.mjs', import.meta.url));
const launcher = fileURLToPath(new URL('../bin/skillbytes-admin.js', import.meta.url));
await buildIfStale();

const cases = {
  'node -e ""': ['-e', ''],
  'skillbytes-admin --help (the packed bundle)': [bundle, '--help'],
  'bin/skillbytes-admin.js --help (checkout: also checks the bundle is fresh)': [launcher, '--help'],
};
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < runs; i++) {
  // Interleaved, so a busy moment slows every case alike.
  for (const [name, args] of Object.entries(cases)) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e ""']);
for (const [name, xs] of Object.entries(times)) {
  const m = median(xs);
  const extra = name === 'node -e ""' ? '' : ` (node itself + ${Math.round(m - base)} ms)`;
  console.log(`${name.padEnd(78)} median ${Math.round(m)} ms, min ${Math.round(Math.min(...xs))} ms${extra}`);
}
