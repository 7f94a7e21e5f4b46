import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed CLI, installed with npm into a directory outside the repository. */
    installedCli: { tarball: string; prefix: string; bin: string; entry: string };
  }
}

const cliDir = fileURLToPath(new URL('..', import.meta.url));

/** npm without the settings pnpm passes down to the scripts it runs (npm warns about each one). */
function npm(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The tests run skillbytes-admin as a user gets it: `npm pack` (its prepack builds the bundle from the
 * current source), then `npm install` of the tarball into an empty project in the temp directory. The
 * package has no dependencies, so the install needs no registry.
 */
export default function setup(project: TestProject) {
  const work = mkdtempSync(path.join(tmpdir(), 'sb-cli-install-'));
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], cliDir)) as {
    filename: string;
  }[];
  const tarball = path.join(work, packed!.filename);
  const prefix = path.join(work, 'project');
  mkdirSync(prefix);
  writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], prefix);
  project.provide('installedCli', {
    tarball,
    prefix,
    bin: path.join(prefix, 'node_modules/.bin/skillbytes-admin'),
    entry: path.join(prefix, 'node_modules/@skillbytes/admin-cli/bin/skillbytes-admin.js'),
  });
  return () => rmSync(work, { recursive: true, force: true });
}
