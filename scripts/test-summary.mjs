// Sums the vitest JSON reports under a folder and prints "N passed, N failed" as the last line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? '.ci-reports';
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) walk(file);
    else if (name.endsWith('.json')) {
      const report = JSON.parse(readFileSync(file, 'utf8'));
      passed += report.numPassedTests ?? 0;
      // A failed test counts once; a file counts only when it failed without a failed test (it did not
      // run). vitest's numFailedTestSuites also counts describe blocks, which would count failures twice.
      failed += report.numFailedTests ?? 0;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      for (const suite of report.testResults ?? []) {
        for (const t of suite.assertionResults ?? []) {
          if (t.status === 'failed') failures.push(`${path.relative(root, file)}: ${t.fullName}`);
        }
        if (suite.status === 'failed' && !(suite.assertionResults ?? []).some((t) => t.status === 'failed')) {
          failures.push(`${path.relative(root, file)}: ${suite.name} (file failed to run)`);
          failed++;
        }
      }
    }
  }
}

walk(root);
for (const f of failures) console.log(`FAILED ${f}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
