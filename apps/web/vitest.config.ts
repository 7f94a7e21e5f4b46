import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.ts';

/**
 * Browser tests: one Chromium and one server at a time (a 2-core machine), against an app built once
 * by the global setup.
 */
export default mergeConfig(packageTestConfig(fileURLToPath(new URL('.', import.meta.url))), {
  test: {
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
