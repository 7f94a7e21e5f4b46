#!/usr/bin/env node
// The built bundle when there is one (`pnpm --filter @skillbytes/admin-cli build`); otherwise the
// TypeScript source through tsx, since Node 20 cannot run TypeScript itself.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/skillbytes-admin.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
