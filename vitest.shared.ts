import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The test settings every package shares. With VITEST_JSON_REPORT=<dir> (CI) each package also writes
 * a JSON report there, which scripts/test-summary.mjs adds up.
 */
export function packageTestConfig(packageDir: string) {
  const reportDir = process.env.VITEST_JSON_REPORT;
  const name = path.basename(packageDir);
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      pool: 'forks',
      // A worker runs its files one after another in one module graph: importing the API (tRPC, drizzle,
      // zod, zxcvbn's dictionaries, PGlite) again for every file was about 40% of the API package's CPU
      // (issue 14). Each file still gets its own database and server; no test mocks modules or leaves
      // globals behind (env-file.test.ts restores process.env).
      isolate: false,
      maxWorkers: 2,
      reporters: reportDir
        ? ['default', ['json', { outputFile: path.join(reportDir, `${name}.json`) }]]
        : ['default'],
    },
  });
}
