import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../src/config.ts';
import { DomainError } from '../src/errors.ts';
import { createJudge } from '../src/judge/index.ts';
import type { Judge } from '../src/judge/types.ts';
import { addChallenge, expectTrpcError } from './challenges-fixtures.ts';
import { createTestApi, type TestApi } from './helpers.ts';

// Roomy: every check here is decided by the challenge's data, never by how busy the machine is.
const realJudge = createJudge({ ...defaultApiConfig().judge, timeoutMs: 10_000, testTimeoutMs: 5000 });
let judgeMode: 'real' | 'down' | 'instant' = 'real';
/**
 * The real judge, which a test can take down (to show what does and does not need it) or skip (so that
 * concurrent creates reach the database together instead of one by one through the judge's queue).
 */
const judge: Judge = {
  version: realJudge.version,
  judge: (...args) => realJudge.judge(...args),
  checkChallenge(spec) {
    if (judgeMode === 'down') return Promise.reject(new DomainError('JUDGE_UNAVAILABLE', 'down'));
    if (judgeMode === 'instant')
      return Promise.resolve({ ok: true, testTimeLimitMs: 1000, referenceSlowestTestMs: null });
    return realJudge.checkChallenge(spec);
  },
  close: () => realJudge.close(),
};

let api: TestApi;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
let user: Awaited<ReturnType<TestApi['createUser']>>;
beforeAll(async () => {
  api = await createTestApi({ judge });
  admin = await api.createUser({ role: 'admin' });
  user = await api.createUser();
});
afterAll(() => api?.close());

const unique = () => randomUUID().slice(0, 8);

async function auditFor(id: string) {
  return api.database.db
    .select()
    .from(schema.auditLog)
    .where(sql`${schema.auditLog.metadata}->>'id' = ${id}`)
    .orderBy(schema.auditLog.id);
}

describe('challenges.create', () => {
  it('stores a draft with a slug derived from the title, and writes an audit row', async () => {
    const title = `Sum It Up ${unique()}: Ünïcode & More!`;
    const created = await api.as(admin).challenges.create({ challenge: addChallenge({ title }) });
    expect(created).toMatchObject({ title, status: 'draft', publishedAt: null, createdBy: admin.id });
    expect(created.slug).toMatch(/^sum-it-up-[0-9a-f]{8}-unicode-more$/);
    // The per-test limit it gets from its reference solution is shown to the author.
    expect(created.testTimeLimitMs).toBeGreaterThanOrEqual(defaultApiConfig().judge.testTimeoutMs);
    expect(created.referenceTestMs).toEqual(expect.any(Number));
    // Admins get everything back, hidden data included.
    expect(created.hiddenTests).toEqual(addChallenge().hiddenTests);
    expect(created.solution).toBe(addChallenge().solution);
    const [audit] = await auditFor(created.id);
    expect(audit).toMatchObject({
      action: 'authz_admin',
      outcome: 'success',
      actorUserId: admin.id,
      metadata: { op: 'challenge.create', id: created.id },
    });
  });

  it('publishes at once with publish: true', async () => {
    const created = await api.as(admin).challenges.create({
      challenge: addChallenge({ title: `Published ${unique()}` }),
      publish: true,
    });
    expect(created.status).toBe('published');
    expect(created.publishedAt).toEqual(api.clock.now());
  });

  it('gives a taken derived slug the next free suffix, also when creates race', async () => {
    const title = `Twin ${unique()}`;
    const first = await api.as(admin).challenges.create({ challenge: addChallenge({ title }) });
    judgeMode = 'instant';
    let racing: { slug: string }[];
    try {
      racing = await Promise.all(
        Array.from({ length: 3 }, () =>
          api.as(admin).challenges.create({ challenge: addChallenge({ title }) }),
        ),
      );
    } finally {
      judgeMode = 'real';
    }
    const slugs = [first, ...racing].map((c) => c.slug).sort();
    expect(slugs).toEqual([first.slug, `${first.slug}-2`, `${first.slug}-3`, `${first.slug}-4`].sort());
  });

  it('refuses an explicit slug that is taken with CONFLICT / SLUG_TAKEN', async () => {
    const slug = `taken-${unique()}`;
    await api.as(admin).challenges.create({ challenge: addChallenge({ slug }) });
    await expectTrpcError(
      api.as(admin).challenges.create({ challenge: addChallenge({ slug }) }),
      'CONFLICT',
      'SLUG_TAKEN',
    );
  });

  it('accepts the legacy send-challenge body: one argument per test, a legacy generator, string points', async () => {
    const summary = `Legacy ${unique()}: sum a list`;
    const created = await api.as(admin).challenges.create({
      challenge: {
        selectorDescription: summary,
        description: '<p>Return the sum of the list.</p>',
        content: 'function sum(xs) {\n}',
        testCases: [{ input: [2, 3], expectedOutput: 5 }],
        generator: {
          inFn: 'const out = [Math.floor(Math.random() * 9), Math.floor(Math.random() * 9)]; out;',
          outFn: 'const xs = JSON.parse(input); const out = JSON.parse(output) === xs[0] + xs[1]; out;',
          cases: 500,
        },
        functionName: 'sum',
        help: 'a + b',
        tags: ['Math'],
        points: '5',
        difficulty: 'Easy',
        solution: 'function sum(xs) { return xs.reduce((a, b) => a + b, 0); }',
      },
    });
    expect(created).toMatchObject({
      title: summary,
      summary,
      description: '<p>Return the sum of the list.</p>',
      starterCode: 'function sum(xs) {\n}',
      // The legacy input [2, 3] is one array argument.
      tests: [{ input: [[2, 3]], expectedOutput: 5 }],
      hiddenTests: [],
      generator: { style: 'legacy', cases: 100 },
      tags: ['math'],
      difficulty: 'easy',
      points: 5,
      language: 'javascript',
    });
    expect(created.slug).toMatch(/^legacy-[0-9a-f]{8}-sum-a-list$/);
  });

  it('refuses a challenge whose expected outputs fail its own checker, with the problems', async () => {
    const challenge = addChallenge({
      title: `Broken checker ${unique()}`,
      hiddenTests: [{ input: [2, 2], expectedOutput: 5 }],
      solution: undefined,
    });
    const error = await expectTrpcError(
      api.as(admin).challenges.create({ challenge }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    const problems = (error.cause as DomainError).details?.problems as string[];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/hidden test 1/);
    const [row] = await api.database.db
      .select()
      .from(schema.challenges)
      .where(eq(schema.challenges.title, challenge.title));
    expect(row).toBeUndefined();
  });

  it('refuses a challenge whose reference solution fails its tests', async () => {
    await expectTrpcError(
      api.as(admin).challenges.create({
        challenge: addChallenge({
          title: `Bad solution ${unique()}`,
          solution: 'function add(a, b) { return a * b; }',
        }),
      }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    await expectTrpcError(
      api.as(admin).challenges.create({
        challenge: addChallenge({ title: `No function ${unique()}`, solution: 'const x = 1;' }),
      }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
  });

  it('refuses a malformed body with BAD_REQUEST, never a 500', async () => {
    const bad = [
      { challenge: { ...addChallenge(), points: 0 } },
      { challenge: { ...addChallenge(), functionName: 'not an identifier' } },
      { challenge: { ...addChallenge(), tests: [] } },
      { challenge: { ...addChallenge(), difficulty: 'impossible' } },
      { challenge: { ...addChallenge(), slug: 'Not A Slug' } },
      { challenge: { ...addChallenge(), surprise: true } },
      { challenge: 'nope' },
      {},
    ];
    for (const input of bad) {
      await expectTrpcError(
        api.as(admin).challenges.create(input as never),
        'BAD_REQUEST',
        'VALIDATION_FAILED',
      );
    }
  });
});

describe('challenges.update', () => {
  it('changes only the patched fields and writes an audit row', async () => {
    const created = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Patch ${unique()}` }) });
    api.clock.advance(60_000);
    const updated = await api
      .as(admin)
      .challenges.update({ id: created.id, patch: { title: 'Renamed', points: 99 } });
    expect(updated).toMatchObject({
      title: 'Renamed',
      points: 99,
      slug: created.slug,
      hiddenTests: created.hiddenTests,
    });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
    expect((await auditFor(created.id)).map((a) => a.metadata.op)).toEqual([
      'challenge.create',
      'challenge.update',
    ]);
  });

  it('judges the merged challenge again when tests change, and refuses one that cannot pass', async () => {
    const created = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Recheck ${unique()}` }) });
    await expectTrpcError(
      api
        .as(admin)
        .challenges.update({ id: created.id, patch: { tests: [{ input: [1, 1], expectedOutput: 3 }] } }),
      'BAD_REQUEST',
      'CHALLENGE_INVALID',
    );
    const current = await api.as(admin).challenges.get({ id: created.id });
    expect(current.tests).toEqual(created.tests);
    // Removing the generator and the solution leaves nothing to check the new tests against but the data itself.
    const loosened = await api.as(admin).challenges.update({
      id: created.id,
      patch: { generator: null, solution: null, tests: [{ input: [1, 1], expectedOutput: 3 }] },
    });
    expect(loosened).toMatchObject({ generator: null, solution: null });
  });

  it('does not need the judge for a change the judge does not look at', async () => {
    const created = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `No judge ${unique()}` }) });
    judgeMode = 'down';
    try {
      const updated = await api.as(admin).challenges.update({ id: created.id, patch: { tags: ['strings'] } });
      expect(updated.tags).toEqual(['strings']);
      await expectTrpcError(
        api.as(admin).challenges.update({ id: created.id, patch: { functionName: 'plus' } }),
        'SERVICE_UNAVAILABLE',
        'JUDGE_UNAVAILABLE',
      );
    } finally {
      judgeMode = 'real';
    }
  });

  it('refuses a taken slug, an unknown id and an empty patch', async () => {
    const a = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Slug A ${unique()}` }) });
    const b = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Slug B ${unique()}` }) });
    await expectTrpcError(
      api.as(admin).challenges.update({ id: b.id, patch: { slug: a.slug } }),
      'CONFLICT',
      'SLUG_TAKEN',
    );
    await expectTrpcError(
      api.as(admin).challenges.update({ id: randomUUID(), patch: { title: 'x' } }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(admin).challenges.update({ id: a.id, patch: {} }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });
});

describe('challenges.publish / archive / get / list', () => {
  it('publishing a draft makes it eligible for the daily pick; archiving takes it out again', async () => {
    const tag = `probe-${unique()}`;
    const draft = await api.as(admin).challenges.create({
      challenge: addChallenge({ title: `Probe ${tag}`, tags: [tag] }),
    });
    const reader = await api.createUser({ preferences: [tag] });
    api.clock.set('2026-06-01T12:00:00Z');
    const before = await api
      .as(reader)
      .challenges.daily()
      .catch(() => null);
    expect(before?.challenge.id).not.toBe(draft.id);

    const published = await api.as(admin).challenges.publish({ id: draft.slug });
    expect(published).toMatchObject({ status: 'published', publishedAt: api.clock.now() });
    api.clock.set('2026-06-02T12:00:00Z');
    expect((await api.as(reader).challenges.daily()).challenge.id).toBe(draft.id);

    await api.as(admin).challenges.archive({ id: draft.id });
    const other = await api.createUser({ preferences: [tag] });
    const pick = await api
      .as(other)
      .challenges.daily()
      .catch(() => null);
    expect(pick?.challenge.id).not.toBe(draft.id);
    expect((await auditFor(draft.id)).map((a) => a.metadata.op)).toEqual([
      'challenge.create',
      'challenge.publish',
      'challenge.archive',
    ]);
  });

  it('publishing twice keeps the first publication time', async () => {
    const c = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Twice ${unique()}` }) });
    api.clock.set('2026-06-03T12:00:00Z');
    await api.as(admin).challenges.publish({ id: c.id });
    api.clock.set('2026-06-04T12:00:00Z');
    const again = await api.as(admin).challenges.publish({ id: c.id });
    expect(again.publishedAt).toEqual(new Date('2026-06-03T12:00:00Z'));
  });

  it('get finds a challenge by id or slug; unknown refs answer NOT_FOUND, malformed ones BAD_REQUEST', async () => {
    const c = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Find me ${unique()}` }) });
    expect((await api.as(admin).challenges.get({ id: c.slug })).id).toBe(c.id);
    expect((await api.as(admin).challenges.get({ id: c.id.toUpperCase() })).id).toBe(c.id);
    await expectTrpcError(
      api.as(admin).challenges.get({ id: 'no-such-slug' }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(admin).challenges.publish({ id: randomUUID() }),
      'NOT_FOUND',
      'CHALLENGE_NOT_FOUND',
    );
    await expectTrpcError(
      api.as(admin).challenges.get({ id: 'Not a slug!' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('lists newest first with status and text filters, paging by cursor without gaps or repeats', async () => {
    const word = `listed${unique()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      api.clock.advance(1000);
      const c = await api.as(admin).challenges.create({
        challenge: addChallenge({ title: `${word} ${i}` }),
        publish: i % 2 === 0,
      });
      ids.push(c.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ReturnType<typeof api.as>['challenges']['list']>> = await api
        .as(admin)
        .challenges.list({ query: word, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const published = await api.as(admin).challenges.list({ query: word, status: 'published' });
    expect(published.items.map((i) => i.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect(published.items[0]).not.toHaveProperty('hiddenTests');
    await expectTrpcError(
      api.as(admin).challenges.list({ cursor: 'garbage' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('pages correctly over rows written with database timestamps (microseconds)', async () => {
    const word = `micro${unique()}`;
    for (let i = 0; i < 4; i++) {
      await api.database.db.insert(schema.challenges).values({
        ...addChallenge({ title: `${word} ${i}` }),
        slug: `${word}-${i}`,
        generator: null,
        createdAt: sql`clock_timestamp()`,
      });
    }
    const first = await api.as(admin).challenges.list({ query: word, limit: 3 });
    const second = await api.as(admin).challenges.list({ query: word, limit: 3, cursor: first.nextCursor });
    const all = [...first.items, ...second.items].map((i) => i.slug);
    expect(new Set(all).size).toBe(4);
    expect(second.nextCursor).toBeNull();
    const rows = await api.database.db
      .select({ slug: schema.challenges.slug })
      .from(schema.challenges)
      .where(sql`${schema.challenges.title} like ${`${word}%`}`)
      .orderBy(desc(schema.challenges.createdAt), desc(schema.challenges.id));
    expect(all).toEqual(rows.map((r) => r.slug));
  });
});

describe('who may author', () => {
  const calls = (caller: ReturnType<TestApi['as']>, id: string) => [
    caller.challenges.create({ challenge: addChallenge() }),
    caller.challenges.update({ id, patch: { title: 'x' } }),
    caller.challenges.publish({ id }),
    caller.challenges.archive({ id }),
    caller.challenges.list({}),
    caller.challenges.get({ id }),
  ];

  it('signed-out callers get UNAUTHORIZED on every authoring procedure', async () => {
    for (const call of calls(api.anonymous(), randomUUID())) {
      await expectTrpcError(call, 'UNAUTHORIZED', 'UNAUTHENTICATED');
    }
  });

  it('signed-in users who are not admins get FORBIDDEN, and nothing changes', async () => {
    const c = await api
      .as(admin)
      .challenges.create({ challenge: addChallenge({ title: `Guarded ${unique()}` }) });
    for (const call of calls(api.as(user), c.id)) await expectTrpcError(call, 'FORBIDDEN', 'FORBIDDEN');
    expect((await api.as(admin).challenges.get({ id: c.id })).status).toBe('draft');
  });

  it("an admin's API key without the admin scope is refused; with it the key is named in the audit log", async () => {
    const keyId = randomUUID();
    const noScope = api.as(admin, { kind: 'apiKey', keyId, scopes: [] });
    await expectTrpcError(noScope.challenges.list({}), 'FORBIDDEN', 'FORBIDDEN');
    const withScope = api.as(admin, { kind: 'apiKey', keyId, scopes: ['admin'] });
    const c = await withScope.challenges.create({ challenge: addChallenge({ title: `By key ${unique()}` }) });
    const [audit] = await auditFor(c.id);
    expect(audit).toMatchObject({ actorUserId: admin.id, actorKeyId: keyId });
  });
});
