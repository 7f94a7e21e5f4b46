// Bundles the CLI, with everything it imports, into dist/: what the packed package ships (it has no
// dependencies to install) and what starts fast. The entry holds the command line itself; what only
// running a command needs (zod and the shared schemas above all) is in chunks it imports on demand, so
// `--help` loads none of it. `node scripts/build.mjs` builds; bin/skillbytes-admin.js calls
// buildIfStale() in a checkout.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
const bundle = `${dist}/skillbytes-admin.mjs`;
const metafile = `${dist}/meta.json`;

export async function buildCli() {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { 'skillbytes-admin': 'src/main.ts' },
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'warning',
    // Some dependencies are CommonJS and require() Node built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  mkdirSync(`${dist}/chunks`, { recursive: true });
  // Each file is written aside and renamed, the entry last: another process may be starting the CLI
  // right now. Chunk names carry a hash of their content, so a new entry never loads an old chunk.
  const outputs = result.outputFiles.sort((a, b) => (a.path === bundle) - (b.path === bundle));
  for (const file of outputs) writeAtomically(file.path, file.contents);
  const written = new Set(outputs.map((f) => path.basename(f.path)));
  for (const old of readdirSync(`${dist}/chunks`)) {
    if (!written.has(old)) rmSync(`${dist}/chunks/${old}`, { force: true });
  }
  const inputs = [...Object.keys(result.metafile.inputs), 'package.json', 'scripts/build.mjs'];
  writeAtomically(metafile, `${JSON.stringify({ inputs })}\n`);
}

/** Rebuilds when the bundle is missing or older than any file it was built from. */
export async function buildIfStale() {
  let built;
  let inputs;
  try {
    built = statSync(bundle).mtimeMs;
    inputs = JSON.parse(readFileSync(metafile, 'utf8')).inputs;
  } catch {
    return buildCli();
  }
  const isStale = inputs.some((input) => {
    try {
      return statSync(`${root}${input}`).mtimeMs > built;
    } catch {
      return true; // a file it was built from is gone
    }
  });
  if (isStale) await buildCli();
}

function writeAtomically(file, contents) {
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, contents);
  renameSync(aside, file);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
