import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.ts';

export default mergeConfig(packageTestConfig(fileURLToPath(new URL('.', import.meta.url))), {
  test: { globalSetup: ['test/global-setup.ts'] },
});
