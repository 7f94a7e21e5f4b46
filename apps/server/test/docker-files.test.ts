import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DCLinter } from 'dclint';
import { type ValidatorSettings, ValidationSeverity, validate } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contextIgnores, parseStages, readRepoFile, repoRoot, type Stage } from './dockerfile.ts';

/**
 * The Docker files lint clean with real linters, run offline from npm (#13 item 4): the Dockerfile with
 * dockerfile-utils (the validator of the VS Code Docker extension), compose.yaml with dclint (the
 * Compose Specification's JSON schema, then its rules, configured by .dclintrc.json), .dockerignore
 * with the matcher Docker's own rules are ported to. Each linter is shown a broken copy too, so a
 * linter that checked nothing would fail here. image.test.ts runs what the files describe.
 */

const dockerfile = readRepoFile('Dockerfile');
const compose = readRepoFile('compose.yaml');

/** Every check dockerfile-utils has, at error level (its defaults leave some at warning or off). */
const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const lintDockerfile = (text: string) =>
  validate(text, STRICT).map((d) => `${d.range.start.line + 1}: ${d.message}`);

/** What this project needs of its image, beyond what a linter knows: read from the parsed file. */
function imageProblems(text: string): string[] {
  const stages = parseStages(text);
  const runtime = stages.at(-1);
  const build = stages.find((s) => s.name === 'build');
  if (!runtime || !build || stages.length < 2)
    return ['a multi-stage build: a "build" stage, then the runtime'];
  const problems: string[] = [];
  const runsOf = (stage: Stage) => stage.steps.flatMap((s) => (s.kind === 'run' ? [s.command] : []));
  const runs = runsOf(build);
  const pinned = (JSON.parse(readRepoFile('package.json')) as { packageManager: string }).packageManager;
  if (stages.flatMap(runsOf).some((r) => /corepack/.test(r)))
    problems.push('no corepack: pnpm comes from npm');
  if (!runs.some((r) => /npm install --global .*pnpm@/.test(r) && r.includes('packageManager')))
    problems.push(`pnpm installed with npm, at package.json's packageManager (${pinned})`);
  if (!runs.some((r) => /pnpm install\b.*--frozen-lockfile/.test(r)))
    problems.push('install from the lockfile');
  if (!runs.some((r) => /\bdeploy\b.*--prod\b/.test(r))) problems.push('a production-only deployment');
  if (runtime.steps.some((s) => s.kind === 'copy' && s.from !== build.name))
    problems.push('the runtime copies only from the build stage');
  if (!runtime.user || ['root', '0'].includes(runtime.user.split(':')[0] ?? ''))
    problems.push('a non-root USER');
  const cmd = runtime.cmd ?? [];
  if (cmd[0] !== 'node' || cmd.some((a) => /tsx|\.ts$/.test(a)))
    problems.push('CMD in exec form, plain node on built JavaScript (no tsx)');
  const check = runtime.healthcheck?.cmd ?? [];
  if (check[0] !== 'node' || !check.join(' ').includes('/ready'))
    problems.push('a HEALTHCHECK in exec form that asks /ready with node (no curl in slim images)');
  const env = runtime.env;
  if (env.NODE_ENV !== 'production') problems.push('NODE_ENV=production');
  if (env.HOST !== '0.0.0.0') problems.push('HOST=0.0.0.0');
  if (!env.PORT || !runtime.expose.includes(env.PORT)) problems.push('EXPOSE the PORT it listens on');
  if (!env.DATA_DIR || !runtime.volumes.includes(env.DATA_DIR)) problems.push('DATA_DIR on a VOLUME');
  return problems;
}

describe('Dockerfile', () => {
  it('passes dockerfile-utils with every check at error level', () => {
    expect(lintDockerfile(dockerfile)).toEqual([]);
  });

  it.each([
    ['an unknown instruction', ['RUN pnpm fetch', 'RUNN pnpm fetch'], /Unknown instruction: RUNN/],
    ['a healthcheck duration without a unit', ['--interval=30s', '--interval=30'], /duration/i],
    ['a port with a protocol that is not one', ['EXPOSE 3000', 'EXPOSE 3000/tcpx'], /Invalid proto/],
    ['a healthcheck flag that does not exist', ['--retries=3', '--tries=3'], /Unknown flag: tries/],
    [
      "a CMD in single-quoted 'JSON'",
      [
        'CMD ["node", "--conditions=skillbytes-built", "dist/main.js"]',
        "CMD ['node', '--conditions=skillbytes-built', 'dist/main.js']",
      ],
      /single quotes/,
    ],
    ['a relative WORKDIR', ['WORKDIR /app', 'WORKDIR app'], /absolute/i],
    ['a second CMD', ['USER node', 'CMD ["true"]\nUSER node'], /CMD/],
  ])('catches %s in a broken copy', (_what, [from, to], message) => {
    expect(dockerfile).toContain(from);
    const problems = lintDockerfile(dockerfile.replace(from!, to!));
    expect(problems.join('\n')).toMatch(message);
  });

  it('builds and runs the image this project needs', () => {
    expect(imageProblems(dockerfile)).toEqual([]);
  });

  it.each([
    ['running as root', ['USER node', 'USER root'], 'a non-root USER'],
    ['no healthcheck', [/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ''], 'a HEALTHCHECK'],
    ['tsx in production', ['"dist/main.js"', '"--import", "tsx", "src/main.ts"'], 'no tsx'],
    ['corepack', ['RUN pnpm fetch', 'RUN corepack enable && pnpm fetch'], 'no corepack'],
    ['dev dependencies', ['deploy --prod', 'deploy'], 'production-only'],
    ['DATA_DIR off the volume', ['VOLUME /data', 'VOLUME /var/data'], 'DATA_DIR on a VOLUME'],
  ] as const)('the project checks refuse a copy with %s', (_what, [from, to], problem) => {
    const broken = dockerfile.replace(from, to);
    expect(broken).not.toBe(dockerfile);
    expect(imageProblems(broken).join('\n')).toContain(problem);
  });
});

describe('compose.yaml', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-compose-lint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const rules = (JSON.parse(readRepoFile('.dclintrc.json')) as { rules: Record<string, 0 | 1 | 2> }).rules;
  const linter = new DCLinter({ rules, quiet: false, debug: false, exclude: [] });
  const lint = (text: string) => {
    const file = path.join(mkdtempSync(path.join(dir, 'case-')), 'compose.yaml');
    writeFileSync(file, text);
    // dclint's declarations use extensionless relative imports, which NodeNext cannot follow: typed here.
    const results = linter.lintFiles([file], false) as { messages: { rule: string; message: string }[] }[];
    return results.flatMap((r) => r.messages.map((m) => `${m.rule}: ${m.message}`));
  };

  it('passes dclint: the Compose Specification schema, then its rules, with no warning', () => {
    expect(lint(compose)).toEqual([]);
  });

  it.each([
    ['a condition the schema does not know', ['service_healthy', 'service_up'], /invalid-schema/],
    ['a misspelt service key', ['    healthcheck:', '    heathcheck:'], /invalid-schema/],
    ['YAML that does not parse', ['services:', 'services: ['], /invalid-yaml/],
    ['a port published on every interface', ['"127.0.0.1:3000:3000"', '"3000:3000"'], /no-unbound-port/],
  ])('catches %s in a broken copy', (_what, [from, to], message) => {
    expect(compose).toContain(from);
    expect(lint(compose.replace(from!, to!)).join('\n')).toMatch(message);
  });

  it('starts the server once PostgreSQL is healthy, with a required JWT_SECRET and MFA_ENCRYPTION_KEY and kept volumes', () => {
    type Service = {
      build?: string;
      depends_on?: Record<string, { condition: string }>;
      environment?: Record<string, string | null>;
      healthcheck?: { test: string[] };
      volumes?: string[];
    };
    const file = parse(compose) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    const { server, db } = file.services;
    expect(server?.build).toBe('.');
    expect(server?.depends_on?.db?.condition).toBe('service_healthy');
    expect(db?.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(server?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@db:5432\//);
    // `${VAR:?message}`: compose refuses to start without it, rather than starting without a secret.
    expect(server?.environment?.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
    expect(server?.environment?.MFA_ENCRYPTION_KEY).toMatch(/^\$\{MFA_ENCRYPTION_KEY:\?.+\}$/);
    const named = (s: Service | undefined) => (s?.volumes ?? []).map((v) => v.split(':')[0]);
    expect([...named(db), ...named(server)].sort()).toEqual(Object.keys(file.volumes).sort());
    expect(db?.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(server?.volumes?.some((v) => v.endsWith(`:${parseStages(dockerfile).at(-1)?.env.DATA_DIR}`))).toBe(
      true,
    );
  });
});

describe('.dockerignore', () => {
  const ignored = contextIgnores();

  it('sends every file a clone has, and .env.example', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n');
    expect(tracked.filter((f) => f && ignored(f))).toEqual([]);
    expect(ignored('.env.example')).toBe(false);
  });

  it('leaves out installs, builds, local data and secrets', () => {
    for (const p of [
      'node_modules',
      'apps/server/node_modules',
      'packages/api/dist',
      'apps/web/dist',
      '.git',
      '.turbo',
      '.data',
      '.env',
      '.env.production',
    ])
      expect(ignored(p), p).toBe(true);
  });
});
