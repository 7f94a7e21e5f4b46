import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { installed } from './cli-harness.ts';

const exec = promisify(execFile);
const repo = realpathSync(fileURLToPath(new URL('../../..', import.meta.url)));
const packageDir = path.join(installed.prefix, 'node_modules/@skillbytes/admin-cli');
/** npm without the settings pnpm passes down to the scripts it runs. */
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

describe('the packed skillbytes-admin', () => {
  it('installs outside the repository as the bundle alone: no dependencies, nothing from the workspace', () => {
    expect(path.relative(repo, realpathSync(installed.prefix)).startsWith('..')).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      dependencies?: unknown;
    };
    expect(manifest.bin).toEqual({ 'skillbytes-admin': './bin/skillbytes-admin.js' });
    expect(manifest.dependencies).toBeUndefined();
    const installedPackages = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith('.'));
    expect(installedPackages(path.join(installed.prefix, 'node_modules'))).toEqual(['@skillbytes']);
    expect(installedPackages(path.join(installed.prefix, 'node_modules/@skillbytes'))).toEqual(['admin-cli']);
    expect(readdirSync(packageDir).sort()).toEqual(['README.md', 'bin', 'dist', 'package.json']);
    const dist = path.join(packageDir, 'dist');
    const chunks = readdirSync(path.join(dist, 'chunks'));
    expect(readdirSync(dist).sort()).toEqual(['chunks', 'skillbytes-admin.mjs']);
    expect(chunks.every((f) => f.endsWith('.mjs'))).toBe(true);

    // Whatever the bundle loads is built into Node, or one of its own chunks.
    const files = ['skillbytes-admin.mjs', ...chunks.map((f) => `chunks/${f}`)];
    const specifiers = files.flatMap((file) => {
      const code = readFileSync(path.join(dist, file), 'utf8');
      expect(code, file).not.toContain(repo);
      return [
        ...code.matchAll(/(?:^|[;}\s])import\s*(?:[\w$*{},\s]+?\s*from\s*)?["']([^"']+)["']/gm),
        ...code.matchAll(/(?:\b|__)(?:require|import)\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => ({ file, specifier: m[1]! }));
    });
    const isOwnChunk = ({ file, specifier }: { file: string; specifier: string }) =>
      specifier.startsWith('.') && files.includes(path.join(path.dirname(file), specifier));
    expect(specifiers.map((s) => s.specifier)).toEqual(expect.arrayContaining(['node:fs', 'events']));
    expect(specifiers.filter((s) => !isBuiltin(s.specifier) && !isOwnChunk(s))).toEqual([]);
    expect(specifiers.some(isOwnChunk)).toBe(true);
  });

  it('runs through the bin npm linked (its shebang), from any directory', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'sb-cli-cwd-'));
    const { stdout } = await exec(installed.bin, ['--help'], { cwd: elsewhere });
    expect(stdout).toContain('Usage: skillbytes-admin');
    const { stdout: version } = await exec(installed.bin, ['--version'], { cwd: elsewhere });
    expect(version.trim()).toBe('0.1.0');
  });

  it('runs with npx straight from the tarball', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'sb-cli-npx-'));
    const { stdout } = await exec(
      'npx',
      ['--yes', '--prefer-offline', `file:${installed.tarball}`, 'users', '--help'],
      { cwd: elsewhere, env: npmEnv },
    );
    expect(stdout).toContain('Usage: skillbytes-admin users');
    expect(stdout).toContain('revoke-sessions');
  });
});
