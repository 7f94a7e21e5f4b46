import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from '../src/env-file.ts';

const names = ['SB_DOTENV_A', 'SB_DOTENV_B'];
afterEach(() => {
  for (const n of names) delete process.env[n];
});

function dirWithEnv(text: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-dotenv-'));
  writeFileSync(path.join(dir, '.env'), text);
  return dir;
}

describe('.env in development', () => {
  it('fills unset variables and never overrides one already set', () => {
    process.env.SB_DOTENV_A = 'from-environment';
    const dir = dirWithEnv('SB_DOTENV_A=from-file\nSB_DOTENV_B="from file"\n');
    expect(loadDotEnv(dir, undefined)).toBe(path.join(dir, '.env'));
    expect(process.env.SB_DOTENV_A).toBe('from-environment');
    expect(process.env.SB_DOTENV_B).toBe('from file');
  });

  it('is not read when NODE_ENV=production', () => {
    expect(loadDotEnv(dirWithEnv('SB_DOTENV_B=from-file\n'), 'production')).toBeUndefined();
    expect(process.env.SB_DOTENV_B).toBeUndefined();
  });

  it('is optional', () => {
    expect(loadDotEnv(mkdtempSync(path.join(tmpdir(), 'sb-dotenv-')), 'test')).toBeUndefined();
  });
});
