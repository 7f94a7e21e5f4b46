import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../src/config.ts';

const examplePath = fileURLToPath(new URL('../../../.env.example', import.meta.url));

/** `NAME=value` and `# NAME=value` lines: the variables .env.example documents, with their defaults. */
function exampleEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of readFileSync(examplePath, 'utf8').split('\n')) {
    const m = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) entries.set(m[1]!, m[2]!.trim());
  }
  return entries;
}

/** Read outside the config schema: by pnpm (INIT_CWD is set by pnpm, not documented), the admin CLI and tests. */
const OUTSIDE_SCHEMA = ['SKILLBYTES_CONFIG_DIR', 'TEST_DATABASE_URL'];

describe('.env.example', () => {
  const entries = exampleEntries();

  it('lists every variable of the config schema', () => {
    const missing = ENV_VARIABLES.filter((name) => !entries.has(name));
    expect(missing, 'add these to .env.example').toEqual([]);
  });

  it('lists nothing the server does not read', () => {
    const unknown = [...entries.keys()].filter(
      (name) => !ENV_VARIABLES.includes(name) && !OUTSIDE_SCHEMA.includes(name),
    );
    expect(unknown).toEqual([]);
  });

  it('gives each variable a comment, and each default it shows is the real default', () => {
    const lines = readFileSync(examplePath, 'utf8').split('\n');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-env-example-'));
    // Whole configs compared (less the raw env): a default applied after the schema (SEED_STARTER_POOL) counts too.
    const { env: _env, ...defaults } = loadConfig({ DATA_DIR: dataDir });
    for (const [name, value] of entries) {
      const at = lines.findIndex((l) => new RegExp(`^#?\\s*${name}=`).test(l.trim()));
      const above = lines
        .slice(0, at)
        .reverse()
        .find((l) => !/^#?\s*[A-Z][A-Z0-9_]*=/.test(l.trim()));
      expect(above?.startsWith('# '), `${name} has a comment above it`).toBe(true);
      if (!value || !ENV_VARIABLES.includes(name) || name === 'DATA_DIR') continue;
      const { env: _parsedEnv, ...parsed } = loadConfig({ DATA_DIR: dataDir, [name]: value });
      expect(parsed, `${name}=${value} is its default`).toEqual(defaults);
    }
  });
});
