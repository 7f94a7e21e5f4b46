// Builds a publishable package (`node ../../scripts/build-package.mjs` in its folder): `tsc -p
// tsconfig.build.json` into dist/, then makes the declarations readable by any consumer. tsc keeps
// relative `.ts` specifiers in .d.ts files; they become `.js`, as in the JavaScript. And no declaration
// may name Node or the server's packages: a frontend that imports ours must not get @types/node,
// drizzle or pino into its program.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FORBIDDEN = [
  /from\s+['"]node:|import\(\s*['"]node:/,
  /reference\s+types=["']node["']/,
  /['"]@skillbytes\/(api|db|server)['"/]/,
  /['"](drizzle-orm|pg|pino|@electric-sql\/pglite)['"/]/,
];

const RELATIVE_TS = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

function declarationsIn(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Empties `dir`/dist; `prepare` may put files there before tsc runs; `finish` may change them after. */
export function buildPackage(dir, { prepare, finish } = {}) {
  const dist = path.join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  prepare?.(dist);
  const tsc = createRequire(path.join(dir, 'package.json')).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed in ${dir}`);
  finish?.(dist);
  for (const file of declarationsIn(dist)) {
    const text = readFileSync(file, 'utf8').replace(RELATIVE_TS, '$1$2$3.js$2');
    writeFileSync(file, text);
    const bad = FORBIDDEN.find((pattern) => pattern.test(text));
    if (bad)
      throw new Error(`${path.relative(dir, file)} names ${bad}: consumers would need the server's types`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildPackage(process.cwd());
