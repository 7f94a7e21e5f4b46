// Builds a package's dist/ with `tsc -p tsconfig.build.json` (`node ../../scripts/build-package.mjs` in its
// folder). tsc rewrites relative `.ts` specifiers to `.js` in the JavaScript (rewriteRelativeImportExtensions)
// and dist/ mirrors src/, so a path that code resolves from its own module (`new URL('../drizzle',
// import.meta.url)`) means the same in both.
//
// - Published packages (shared, client) emit declarations too. tsc keeps relative `.ts` specifiers in .d.ts
//   files; they become `.js`, as in the JavaScript. And no declaration may name Node or the server's
//   packages: a frontend that imports ours must not get @types/node, drizzle or pino into its program.
// - The packages only the server runs (db, api, server) pass `--no-check`: their types are checked by
//   `pnpm typecheck`, and the build that `pnpm start` waits for takes seconds instead of most of a minute.
//   `--copy DIR` copies src/DIR as it is into dist/DIR, for files the code reads at run time.
//
// dist/ is written over in place and then rid of the files this build did not write; it is never emptied
// first, so a server starting from it meanwhile (`pnpm start` while a test rebuilds a package) finds
// every file it imports.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

const filesIn = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

/** Deletes the files under `dir` last written before `since` (ms, the file system's clock), then empty folders. */
function pruneOlderThan(dir, since) {
  for (const file of filesIn(dir)) if (statSync(file).mtimeMs < since) rmSync(file);
  const folders = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(e.parentPath, e.name))
    .sort((a, b) => b.length - a.length);
  for (const folder of folders) if (readdirSync(folder).length === 0) rmdirSync(folder);
}

/**
 * Builds `dir`/dist. `prepare` may put files there before tsc runs; `finish` may change them after;
 * `noCheck` skips type checking; `copy` names folders of src/ to copy as they are.
 */
export function buildPackage(dir, { prepare, finish, noCheck = false, copy = [] } = {}) {
  const dist = path.join(dir, 'dist');
  mkdirSync(dist, { recursive: true });
  // The file system's own clock, as the files' mtimes are (it can run a few ms behind Date.now()).
  const marker = path.join(dist, `.build-${process.pid}`);
  writeFileSync(marker, '');
  const started = statSync(marker).mtimeMs;
  rmSync(marker);
  prepare?.(dist);
  const tsc = createRequire(path.join(dir, 'package.json')).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', 'tsconfig.build.json', ...(noCheck ? ['--noCheck'] : [])];
  const run = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed in ${dir}`);
  for (const folder of copy)
    cpSync(path.join(dir, 'src', folder), path.join(dist, folder), { recursive: true });
  finish?.(dist);
  for (const file of filesIn(dist).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8').replace(RELATIVE_TS, '$1$2$3.js$2');
    writeFileSync(file, text);
    const bad = FORBIDDEN.find((pattern) => pattern.test(text));
    if (bad)
      throw new Error(`${path.relative(dir, file)} names ${bad}: consumers would need the server's types`);
  }
  pruneOlderThan(dist, started);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const copy = args.flatMap((arg, i) => (args[i - 1] === '--copy' ? [arg] : []));
  const unknown = args.filter(
    (arg, i) => !['--no-check', '--copy'].includes(arg) && args[i - 1] !== '--copy',
  );
  if (unknown.length) throw new Error(`build-package.mjs: unknown arguments ${unknown.join(' ')}`);
  buildPackage(process.cwd(), { noCheck: args.includes('--no-check'), copy });
}
