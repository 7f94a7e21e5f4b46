import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmptyPgDatabase } from '@skillbytes/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextIgnores, parseStages, readRepoFile, repoRoot, type Stage, type Step } from './dockerfile.ts';
import { trpcGet, trpcPost } from './harness.ts';
import { alive, commandLine, descendants, freePort, waitFor } from './processes.ts';

/**
 * The image's start command, run directly (#13 item 4: there is no Docker engine here). The test reads
 * the Dockerfile with the linter's parser and does what its stages say, each under a temp directory
 * that stands for that stage's file system: the build stage's COPYs from the build context (this
 * checkout less .dockerignore) and its RUNs in order, with its ENV (npm's global prefix is the stage's
 * /usr/local, so the pnpm it installs is the pnpm the rest runs); then the runtime stage's COPYs from
 * the build stage. With the build stage out of the way, the migrations run as the README tells an
 * operator to, the runtime stage's CMD starts with its ENV (paths in the image mapped under its
 * directory), its HEALTHCHECK must pass, the web app and the API answer (a judged run proves the built
 * judge worker), and SIGTERM stops it. Last, `pnpm start` in the built workspace. Not reproduced: the
 * runtime stage's RUN (it gives DATA_DIR to the non-root user; the server creates DATA_DIR itself)
 * and the USER switch. With TEST_DATABASE_URL the container gets a DATABASE_URL, as in compose.yaml.
 *
 * Slow on purpose (a fresh install and build of the workspace, about two minutes), so it is one file.
 */

const stages = parseStages(readRepoFile('Dockerfile'));
const build = stages.find((s) => s.name === 'build') as Stage;
const runtime = stages.at(-1) as Stage;

const work = mkdtempSync(path.join(tmpdir(), 'sb-image-'));
const buildFs = path.join(work, 'build');
const runtimeFs = path.join(work, 'runtime');
/** `p` (relative to `workdir`) in the image, as a path under the stage's directory `fs`. */
const inFs = (fs: string, p: string, workdir = '/') => path.join(fs, path.posix.resolve(workdir, p));

/** `pnpm db:migrate` in the image: the db package's built CLI, under the CMD's node options. */
const MIGRATE_CLI = 'node_modules/@skillbytes/db/dist/migrate-cli.js';

const started: ChildProcess[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const child of started) if (child.pid && alive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  await dropDatabase?.();
  rmSync(work, { recursive: true, force: true });
});

const ignored = contextIgnores();

/** Copies `rel` of the build context to `dest`, leaving out what .dockerignore does (as `docker build` sends it). */
function copyFromContext(rel: string, dest: string) {
  if (rel !== '.' && ignored(rel)) return;
  const src = path.join(repoRoot, rel);
  const stat = lstatSync(src);
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
  else if (stat.isFile()) copyFileSync(src, dest);
  else if (stat.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(src))
      copyFromContext(rel === '.' ? name : `${rel}/${name}`, path.join(dest, name));
  }
}

function copyStep(step: Extract<Step, { kind: 'copy' }>, fs: string) {
  const dest = inFs(fs, step.dest, step.workdir);
  const intoFolder = step.dest.endsWith('/') || step.dest === '.' || step.sources.length > 1;
  for (const source of step.sources) {
    if (step.from === null) {
      const target = intoFolder && source !== '.' ? path.join(dest, path.basename(source)) : dest;
      mkdirSync(path.dirname(target), { recursive: true });
      copyFromContext(source, target);
    } else {
      const from = stages.find((s) => s.name === step.from);
      if (from !== build) throw new Error(`COPY --from=${step.from}: only the build stage is reproduced`);
      // Symlinks as they are (pnpm's node_modules is made of relative ones), as COPY keeps them.
      cpSync(inFs(buildFs, source), dest, { recursive: true, verbatimSymlinks: true });
    }
  }
}

/** PATH in a stage: its /usr/local/bin first, then this test's node, then the machine's tools. */
const stagePath = (fs: string) =>
  [inFs(fs, '/usr/local/bin'), path.dirname(process.execPath), process.env.PATH].join(path.delimiter);

/**
 * The machine's environment (its CA certificates and proxy for the registry, HOME for pnpm's store and
 * npm's cache, so nothing is downloaded twice), less what this test runner and the pnpm above it set.
 */
const machineEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^(npm_|pnpm_|turbo_|vitest|node_env$|node_options$|init_cwd$|test_database_url$)/i.test(k),
  ),
);

/** Runs `command` through sh; rejects with its output when it fails or takes longer than `ms`. */
function sh(command: string, cwd: string, env: Record<string, string | undefined>, ms: number) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    const output = logsOf(child);
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${code ?? signal}):\n${output.join('')}`));
    });
  });
}

/** A build RUN, with the stage's ENV; words that are absolute paths are paths in the stage. */
function runStep(step: Extract<Step, { kind: 'run' }>) {
  const command = step.command.replace(
    /(^|\s)(\/[\w./-]*)/g,
    (_m, pre: string, p: string) => pre + inFs(buildFs, p),
  );
  const env = {
    ...machineEnv,
    PATH: stagePath(buildFs),
    npm_config_prefix: inFs(buildFs, '/usr/local'),
    // What the machine's caches already hold is not asked of the registry again: a test on a busy
    // machine, not a clean image build, so minutes of metadata requests buy nothing.
    npm_config_prefer_offline: 'true',
    ...step.env,
  };
  return sh(command, inFs(buildFs, step.workdir), env, 480_000);
}

/** The runtime stage's ENV, each path in the image mapped under its directory. */
const imageEnv = () =>
  Object.fromEntries(
    Object.entries(runtime.env).map(([k, v]) => [k, v.startsWith('/') ? inFs(runtimeFs, v) : v]),
  );

const healthcheck = (env: Record<string, string>) => {
  const [command, ...args] = runtime.healthcheck?.cmd ?? [];
  expect(command).toBe('node');
  return spawnSync(process.execPath, args, { env, timeout: 60_000 }).status;
};

function logsOf(child: ChildProcess) {
  const out: string[] = [];
  child.stdout?.on('data', (d) => out.push(String(d)));
  child.stderr?.on('data', (d) => out.push(String(d)));
  return out;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

// A fresh install and build: minutes. CI runs it once, in its Node 24 pass (the image's Node), and turns
// it off for the others with SKILLBYTES_IMAGE_TEST=off.
const describeImage = describe.skipIf(
  process.platform !== 'linux' || process.env.SKILLBYTES_IMAGE_TEST === 'off',
);

describeImage('the image, without Docker (#13 item 4)', () => {
  beforeAll(async () => {
    for (const step of build.steps) {
      if (step.kind === 'copy') copyStep(step, buildFs);
      else await runStep(step);
    }
    for (const step of runtime.steps) if (step.kind === 'copy') copyStep(step, runtimeFs);
  }, 900_000);

  it('holds production dependencies and built code only', () => {
    const app = inFs(runtimeFs, runtime.workdir);
    const store = readdirSync(path.join(app, 'node_modules/.pnpm'));
    expect(store.filter((name) => /^(tsx|vitest|vite|esbuild|@biomejs|turbo)@/.test(name))).toEqual([]);
    for (const pkg of [
      '.',
      'node_modules/@skillbytes/api',
      'node_modules/@skillbytes/db',
      'node_modules/@skillbytes/shared',
    ]) {
      expect(existsSync(path.join(app, pkg, 'src')), `${pkg}/src`).toBe(false);
      expect(existsSync(path.join(app, pkg, 'dist')), `${pkg}/dist`).toBe(true);
    }
  });

  it('starts with its CMD and ENV, passes its HEALTHCHECK, serves the app and the API, stops on SIGTERM', async () => {
    const port = await freePort();
    const env: Record<string, string> = {
      ...imageEnv(),
      // What `docker run -e` adds: another port (this machine may have something on 3000), the secret.
      PORT: String(port),
      JWT_SECRET: randomBytes(32).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    if (process.env.TEST_DATABASE_URL) {
      const pg = await createEmptyPgDatabase(process.env.TEST_DATABASE_URL);
      dropDatabase = pg.drop;
      env.DATABASE_URL = pg.url;
    }
    const [command, ...args] = runtime.cmd ?? [];
    expect(command).toBe('node');
    // Nothing of the build stage is left for the server to reach by an absolute path.
    renameSync(buildFs, `${buildFs}-away`);
    const url = `http://127.0.0.1:${port}`;
    try {
      // Migrations as an operator with MIGRATE_ON_START=false runs them in the image (README, Deploy).
      const migrate = spawnSync(process.execPath, [...args.slice(0, -1), MIGRATE_CLI], {
        cwd: inFs(runtimeFs, runtime.workdir),
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(migrate.status, `${migrate.stdout}${migrate.stderr}`).toBe(0);
      expect(migrate.stdout).toContain('migrations applied');
      env.MIGRATE_ON_START = 'false';

      const child = spawn(process.execPath, args, {
        cwd: inFs(runtimeFs, runtime.workdir),
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      const logs = logsOf(child);
      const ready = () =>
        fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
      expect(await waitFor(ready, 120_000), `never ready:\n${logs.join('')}`).toBe(true);
      expect(healthcheck(env), 'HEALTHCHECK while it runs').toBe(0);

      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Skill Bytes</title>');
      // The REST API's document and its docs page, with the scripts the build copies next to dist/.
      const openapi = await fetch(`${url}/openapi.json`);
      expect(openapi.status).toBe(200);
      expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);
      const docs = await (await fetch(`${url}/docs`)).text();
      const scripts = [...docs.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
      expect(scripts).toHaveLength(2);
      for (const script of scripts) expect((await fetch(`${url}${script}`)).status, script).toBe(200);

      const signup = await trpcPost(url, 'auth.signup', {
        email: 'image@example.com',
        password: 'a long passphrase for the image test',
      });
      expect(signup.res.status, JSON.stringify(signup.body)).toBe(200);
      const cookie = cookiesOf(signup.res);
      const daily = await trpcGet(url, 'challenges.daily', undefined, { cookie });
      type Daily = { challenge: { id: string; functionName: string } };
      const challenge = (daily.body.result?.data.json as Daily | undefined)?.challenge;
      expect(challenge?.id, JSON.stringify(daily.body)).toBeTruthy();
      const run = await trpcPost(
        url,
        'challenges.run',
        {
          challengeId: challenge?.id,
          code: `function ${challenge?.functionName}() { return { not: 'it' }; }`,
        },
        { origin: url, cookie },
      );
      const verdict = (
        run.body.result?.data.json as { verdict: { status: string; total: number } } | undefined
      )?.verdict;
      expect(verdict?.status, JSON.stringify(run.body)).toBe('wrong_answer');
      expect(verdict?.total).toBeGreaterThan(0);

      child.kill('SIGTERM');
      const code = await Promise.race([
        exited(child),
        new Promise((r) => setTimeout(() => r('still running'), 30_000)),
      ]);
      expect(code, logs.join('')).toBe(0);
      expect(healthcheck(env), 'HEALTHCHECK once it has stopped').toBe(1);
    } finally {
      renameSync(`${buildFs}-away`, buildFs);
    }
  }, 300_000);

  it('pnpm start in the built workspace builds a changed source again and runs it with plain node', async () => {
    const source = path.join(inFs(buildFs, build.workdir), 'apps/server/src/http/plain-endpoints.ts');
    const text = readFileSync(source, 'utf8');
    expect(text).toContain("{ msg: 'pong' }");
    writeFileSync(source, text.replace("{ msg: 'pong' }", "{ msg: 'pong from an edited source' }"));
    const port = await freePort();
    const data = path.join(work, 'start-data');
    const child = spawn(inFs(buildFs, '/usr/local/bin/pnpm'), ['start'], {
      cwd: inFs(buildFs, build.workdir),
      env: {
        ...machineEnv,
        PATH: stagePath(buildFs),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: '',
        DATA_DIR: data,
        WEB_DIST: imageEnv().WEB_DIST ?? data,
        SEED_STARTER_POOL: 'false',
        LOG_LEVEL: 'warn',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    const logs = logsOf(child);
    const pid = child.pid as number;
    const ping = () =>
      fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(2000) }).then(
        async (r) => ((await r.json()) as { msg: string }).msg,
        () => '',
      );
    expect(
      await waitFor(async () => (await ping()) !== '', 180_000),
      `never answered:\n${logs.join('')}`,
    ).toBe(true);
    expect(await ping()).toBe('pong from an edited source');
    const tree = [pid, ...descendants(pid)];
    const commands = tree.map(commandLine);
    expect(
      commands.find((c) => c.includes('main.')),
      commands.join('\n'),
    ).toMatch(/(^|\/)node --conditions=skillbytes-built dist\/main\.js$/);
    child.kill('SIGTERM');
    expect(await waitFor(() => tree.every((p) => !alive(p)), 30_000), logs.join('')).toBe(true);
  }, 300_000);
});
