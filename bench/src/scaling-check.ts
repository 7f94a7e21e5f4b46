/**
 * Is a scaling flag real or the machine? Loads two dataset sizes side by side, runs one server on each,
 * and measures one read scenario on them in alternating rounds, so both sizes see the same neighbours.
 *
 *   node --import tsx src/scaling-check.ts --scenario auth.me --sizes 10k,1m --rounds 6 --duration 4
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatCount, loadDatabase, parseCount } from './dataset.ts';
import { type Measurement, measure } from './load.ts';
import { databaseCpuMeter, type ServerProcess, startOurServer, stopAllServers } from './processes.ts';
import { summarize } from './results.ts';
import { type Fixture, READ_SCENARIOS, readWorkload, sampleUsers, signIn } from './scenarios.ts';
import { adminQuery, withDatabase } from './sql-client.ts';

async function main() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'auth.me' },
      sizes: { type: 'string', default: '10k,1m' },
      rounds: { type: 'string', default: '6' },
      duration: { type: 'string', default: '4' },
      connections: { type: 'string', default: '50' },
    },
  });
  const scenario = values.scenario!;
  if (!READ_SCENARIOS[scenario]) throw new Error(`unknown read scenario ${scenario}`);
  const sizes = values.sizes!.split(',').map(parseCount);
  const rounds = Number(values.rounds);
  const durationSec = Number(values.duration);
  const connections = Number(values.connections);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const jwtSecret = randomBytes(36).toString('base64url');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sb-scaling-'));
  const stamp = Date.now().toString(36);
  const databases: string[] = [];
  const targets: { label: string; server: ServerProcess; fixture: Fixture; url: string }[] = [];
  try {
    for (const size of sizes) {
      const label = formatCount(size);
      const name = `sb_bench_check_${stamp}_${label}`;
      await adminQuery(adminUrl, `create database "${name}"`);
      databases.push(name);
      const url = withDatabase(adminUrl, name);
      const report = await loadDatabase({ url }, { users: size, seed: 1 });
      console.log(`${label}: loaded in ${report.totalSeconds.toFixed(0)} s`);
      const server = await startOurServer({
        label,
        databaseUrl: url,
        dataDir: mkdtempSync(path.join(tmp, `${label}-`)),
        jwtSecret,
        poolMax: 10,
      });
      const users = await signIn(server.url, sampleUsers(size, Math.min(1000, size)), 4);
      targets.push({ label, server, url, fixture: { users, loginEmails: [] } });
    }
    for (const t of targets)
      await measure(t.server, readWorkload(scenario, t.fixture, connections), { durationSec: 2 });
    const runs = new Map<string, Measurement[]>(targets.map((t) => [t.label, []]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const meter = await databaseCpuMeter(t.url);
        const m = await measure(t.server, readWorkload(scenario, t.fixture, connections), {
          durationSec,
          dbCpuMs: () => meter.read(),
        });
        await meter.close();
        runs.get(t.label)!.push(m);
        console.log(
          `round ${r + 1} ${t.label.padEnd(5)} ${m.rps.toFixed(0).padStart(5)} rps  p50 ${m.latency.p50}  p99 ${m.latency.p99}  cpu ${m.cpuMsPerRequest} ms/req  db ${m.dbCpuMsPerRequest} ms/req  load ${os.loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
    for (const t of targets) {
      const s = summarize(runs.get(t.label)!);
      console.log(
        `${scenario} ${t.label}: median rps ${s.rps}, p50 ${s.p50}, p99 ${s.p99} (rounds: ${runs
          .get(t.label)!
          .map((m) => m.latency.p99)
          .join(', ')}), cpu ${s.cpuMsPerRequest} ms/req, db ${s.dbCpuMsPerRequest} ms/req`,
      );
    }
  } finally {
    await stopAllServers();
    for (const name of databases)
      await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
