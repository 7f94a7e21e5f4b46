import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer, trpcPost } from '@skillbytes/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { closedPort, createAdminApiKey, resultOf, runCli } from './cli-harness.ts';

const ADMIN = { email: 'cli-admin@example.com', password: 'cli-admin-password-1' };

let server: TestServer;
let apiKey: string;
let userToken: string;
/** The legacy body of DESIGN §6.1, shared with the API's legacy tests. */
const LEGACY_FIXTURE = new URL(
  '../../../packages/api/test/fixtures/legacy-string-reversal.json',
  import.meta.url,
);
const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-challenges-'));
let n = 0;

/** A valid challenge body (the current shape); every call gets its own title. */
function challenge(overrides: Record<string, unknown> = {}) {
  n += 1;
  return {
    title: `CLI challenge ${n} ${Date.now().toString(36)}`,
    summary: 'Double a number.',
    description: 'Write `double(x)` that returns `2 * x`.',
    difficulty: 'easy',
    tags: ['math'],
    points: 10,
    functionName: 'double',
    tests: [
      { input: [2], expectedOutput: 4 },
      { input: [-3], expectedOutput: -6 },
    ],
    hiddenTests: [
      { input: [0], expectedOutput: 0 },
      { input: [21], expectedOutput: 42 },
    ],
    solution: 'function double(x) { return 2 * x; }',
    ...overrides,
  };
}

function writeFile(name: string, content: unknown, format: 'json' | 'yaml' | 'raw' = 'json') {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    format === 'raw'
      ? String(content)
      : format === 'yaml'
        ? toYaml(content)
        : JSON.stringify(content, null, 2),
  );
  return file;
}

const admin = (args: string[]) => runCli(['--url', server.url, '--api-key', apiKey, ...args]);
const json = <T>(stdout: string) => JSON.parse(stdout) as T;

beforeAll(async () => {
  server = await startTestServer({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  ({ apiKey } = await createAdminApiKey(server.url, ADMIN, 'cli tests'));
  const signup = await trpcPost(server.url, 'auth.signup', {
    email: 'cli-user@example.com',
    password: 'a-long-user-password-2',
    tokenDelivery: 'body',
  });
  userToken = resultOf<{ accessToken: string }>(signup).accessToken;
  expect(apiKey).toMatch(/^sbk_/);
}, 120_000);
afterAll(() => server?.close());

describe('challenges create (local validation, no server needed)', () => {
  it('--dry-run validates a good file and sends nothing', async () => {
    const port = await closedPort();
    const file = writeFile('dry.json', challenge({ slug: 'dry-run-only' }));
    const r = await runCli(['--url', `http://127.0.0.1:${port}`, 'challenges', 'create', file, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
    expect(r.stdout).toContain('dry-run-only');
  });

  it('refuses an invalid file with exit 2, listing every problem by path, before contacting the server', async () => {
    const port = await closedPort();
    const file = writeFile('invalid.json', challenge({ points: 0, tests: [], functionName: 'not valid' }));
    const r = await runCli(['--url', `http://127.0.0.1:${port}`, 'challenges', 'create', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a valid challenge');
    for (const p of ['points:', 'tests:', 'functionName:']) expect(r.stderr).toContain(p);
    expect(r.stderr).not.toContain('ECONNREFUSED');
  });

  it('names the legacy fields when a legacy body is wrong, and paths inside a challenges.create input', async () => {
    const legacy = writeFile('legacy-bad.json', {
      selectorDescription: 'x',
      content: 'y',
      testCases: [],
      functionName: 'f',
      points: 1,
      difficulty: 'Easy',
    });
    const r1 = await runCli(['challenges', 'create', legacy, '--dry-run']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('testCases:');
    const wrapped = writeFile(
      'wrapped-bad.yaml',
      { challenge: challenge({ difficulty: 'impossible' }), publish: 'yes' },
      'yaml',
    );
    const r2 = await runCli(['challenges', 'create', wrapped, '--dry-run']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('challenge.difficulty:');
    expect(r2.stderr).toContain('publish: expected a boolean');
  });

  it('names the problem inside a test, whether it is a call test or a class test', async () => {
    const file = writeFile(
      'bad-tests.json',
      challenge({
        tests: [
          { input: 'not an array', expectedOutput: 1 },
          { steps: [{ new: [] }, { call: 'push', get: 'size', expectedOutput: 1 }] },
        ],
      }),
    );
    const r = await runCli(['challenges', 'create', file, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tests.0.input: Invalid input: expected array');
    expect(r.stderr).toContain('tests.1.steps.1: A step does exactly one of new, call, get or iterate');
    expect(r.stderr).not.toContain('Invalid input\n');
  });

  it('exits 2 on a missing file, unparsable JSON and a missing argument', async () => {
    expect((await runCli(['challenges', 'create', path.join(dir, 'nope.json')])).code).toBe(2);
    const broken = writeFile('broken.json', '{ "title": ', 'raw');
    const r = await runCli(['challenges', 'create', broken, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
    expect((await runCli(['challenges', 'create'])).code).toBe(2);
  });
});

describe('challenges create (against the server)', () => {
  it('creates a draft from JSON and prints it as JSON with --json', async () => {
    const body = challenge();
    const r = await admin(['challenges', 'create', writeFile('draft.json', body), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ title: string; status: string; slug: string }>(r.stdout)).toMatchObject({
      title: body.title,
      status: 'draft',
    });
  });

  it('imports the legacy send-challenge body of DESIGN §6.1 unchanged, in the shape its fields mean', async () => {
    const body = JSON.parse(readFileSync(LEGACY_FIXTURE, 'utf8')) as Record<string, unknown>;
    const file = writeFile('legacy.json', { ...body, slug: `string-reversal-${Date.now().toString(36)}` });
    const r = await admin(['challenges', 'create', file, '--publish', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      status: 'published',
      difficulty: 'beginner',
      points: 10,
      starterCode: body.content,
      tests: [{ input: ['hello'], expectedOutput: 'olleh' }, { input: ['12345'] }, { input: [''] }],
      generator: { style: 'legacy' },
    });
    // How it judges (right and wrong solutions, generated cases) is checked on this same body in
    // packages/api/test/legacy-challenges.test.ts.
  });

  it('imports the legacy body from YAML too, with points as a numeric string', async () => {
    const body = JSON.parse(readFileSync(LEGACY_FIXTURE, 'utf8')) as Record<string, unknown>;
    const file = writeFile(
      'legacy.yaml',
      { ...body, points: '12', slug: `reversal-yaml-${Date.now().toString(36)}` },
      'yaml',
    );
    const r = await admin(['challenges', 'create', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ status: 'draft', points: 12 });
  });

  it("exits 1 naming CHALLENGE_INVALID and the judge's problems when the challenge cannot pass", async () => {
    const file = writeFile('wrong.json', challenge({ solution: 'function double(x) { return x + 2; }' }));
    const r = await admin(['challenges', 'create', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BAD_REQUEST (CHALLENGE_INVALID)');
    expect(r.stderr).toMatch(/the server refused .*wrong\.json/);
  });

  it('exits 4 without credentials (naming login) and 4 with FORBIDDEN for a non-admin', async () => {
    const file = writeFile('noauth.json', challenge());
    const anonymous = await runCli(['--url', server.url, 'challenges', 'create', file]);
    expect(anonymous.code).toBe(4);
    expect(anonymous.stderr).toContain(`not signed in to ${server.url}`);
    expect(anonymous.stderr).toContain('login --email');
    const user = await runCli(['--url', server.url, '--api-key', userToken, 'challenges', 'list']);
    expect(user.code).toBe(4);
    expect(user.stderr).toContain('FORBIDDEN');
  });
});

describe('challenges import', () => {
  it('imports a directory: bad files are reported, the rest still go in, and the exit code is 1', async () => {
    const sub = `import-${Date.now().toString(36)}`;
    const good = [
      writeFile(`${sub}/01-a.json`, challenge()),
      writeFile(`${sub}/02-b.yaml`, challenge(), 'yaml'),
      writeFile(`${sub}/05-e.yml`, { challenge: challenge() }, 'yaml'),
    ];
    writeFile(`${sub}/03-syntax.json`, '{', 'raw');
    writeFile(`${sub}/04-schema.json`, challenge({ tests: 'none' }));
    writeFile(`${sub}/notes.txt`, 'not a challenge', 'raw');
    const r = await admin(['challenges', 'import', path.join(dir, sub), '--publish', '--json']);
    expect(r.code).toBe(1);
    const out = json<{
      created: { file: string; status: string }[];
      failed: { file: string; error: string }[];
    }>(r.stdout);
    expect(out.created.map((c) => c.file)).toEqual(good);
    expect(out.created.every((c) => c.status === 'published')).toBe(true);
    expect(out.failed.map((f) => path.basename(f.file))).toEqual(['03-syntax.json', '04-schema.json']);
    expect(out.failed[1]!.error).toContain('tests:');
    // Progress on stderr (one line per file when stderr is not a terminal), then the failure.
    expect(r.stderr).toContain('[5/5]');
    expect(r.stderr).toContain('2 of 5 files could not be imported');
  });

  it('exits 0 when every file goes in, and reports a judge refusal without stopping', async () => {
    const files = [writeFile('ok-1.json', challenge()), writeFile('ok-2.json', challenge())];
    const ok = await admin(['challenges', 'import', ...files]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('2 created, 0 failed');
    const refused = writeFile(
      'refused.json',
      challenge({ hiddenTests: [{ input: [1], expectedOutput: 3 }] }),
    );
    const after = writeFile('after-refused.json', challenge());
    const mixed = await admin(['challenges', 'import', refused, after, '--json']);
    expect(mixed.code).toBe(1);
    const out = json<{ created: unknown[]; failed: { appCode: string; problems: string[] }[] }>(mixed.stdout);
    expect(out.created).toHaveLength(1);
    expect(out.failed[0]).toMatchObject({ appCode: 'CHALLENGE_INVALID' });
    expect(out.failed[0]!.problems.join(' ')).toMatch(/hidden/);
  });
});

describe('challenges list, show, publish, archive', () => {
  it('lists the starter pool the server seeded at start, filtered by status', async () => {
    const r = await admin(['challenges', 'list', '--status', 'published', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { items, nextCursor } = json<{ items: { slug: string; status: string }[]; nextCursor: null }>(
      r.stdout,
    );
    expect(nextCursor).toBeNull();
    expect(items.length).toBeGreaterThanOrEqual(30);
    expect(items.map((i) => i.slug)).toContain('temperature-swing');
    expect(new Set(items.map((i) => i.status))).toEqual(new Set(['published']));
    const human = await admin(['challenges', 'list', '--query', 'temperature']);
    expect(human.stdout).toContain('temperature-swing');
    expect((await admin(['challenges', 'list', '--status', 'bogus'])).code).toBe(2);
  });

  it('shows, publishes and archives by slug or id', async () => {
    const created = json<{ id: string; slug: string }>(
      (await admin(['challenges', 'create', writeFile('lifecycle.json', challenge()), '--json'])).stdout,
    );
    const shown = await admin(['challenges', 'show', created.slug]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/hidden tests\s+2/);
    expect(shown.stdout).toMatch(/status\s+draft/);
    expect(shown.stdout).toMatch(/language\s+javascript\n/);
    expect(shown.stdout).toMatch(/languages\s+javascript, typescript\n/);
    const published = await admin(['challenges', 'publish', created.slug]);
    expect(published.stdout).toContain(`${created.slug} (${created.id}) is published`);
    const archived = await admin(['challenges', 'archive', created.id, '--json']);
    expect(json(archived.stdout)).toMatchObject({ id: created.id, status: 'archived' });
  });

  it('exits 1 with NOT_FOUND for an unknown challenge and 2 for something that is not an id or slug', async () => {
    const missing = await admin(['challenges', 'show', 'no-such-challenge']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('NOT_FOUND (CHALLENGE_NOT_FOUND)');
    expect((await admin(['challenges', 'publish', 'Not A Slug!'])).code).toBe(2);
  });
});
