#!/usr/bin/env node
// The package ships the bundle (dist/, built when it is packed). In a checkout of the repository
// (scripts/ is there) the bundle is rebuilt first when it is missing or older than its sources.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1 and later keep the compiled bundle between runs (in the temp directory): a faster start.
module.enableCompileCache?.();

const build = new URL('../scripts/build.mjs', import.meta.url);
if (existsSync(build)) {
  try {
    await (await import(build.href)).buildIfStale();
  } catch {
    process.stderr.write('skillbytes-admin: could not build dist/ from src/ (esbuild said why above)\n');
    process.exit(1);
  }
}
await import('../dist/skillbytes-admin.mjs');
