import { pgErrorInfo } from '@skillbytes/db';
import { TEXT_MESSAGES } from '@skillbytes/shared';
import { TRPCError } from '@trpc/server';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toTRPCError } from '../src/errors.ts';
import { addChallenge, expectTrpcError, insertChallenge } from './challenges-fixtures.ts';
import { createTestApi, type TestApi, unusedJudge } from './helpers.ts';

let api: TestApi;
let user: Awaited<ReturnType<TestApi['createUser']>>;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
let challengeId: string;
beforeAll(async () => {
  api = await createTestApi({ judge: unusedJudge });
  user = await api.createUser();
  admin = await api.createUser({ role: 'admin' });
  challengeId = (await insertChallenge(api.database.db)).id;
});
afterAll(() => api?.close());

const PASSWORD = 'vivid tundra marble kettle';

/** Every row of every table, hashed: a refused call must leave all of them as they were. */
async function fingerprint() {
  const db = api.database.db;
  const tables = await db.execute<{ name: string }>(sql`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
  const out: Record<string, unknown> = {};
  for (const { name } of tables.rows) {
    const result = await db.execute(
      sql`select count(*)::int as n, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as h
          from ${sql.identifier(name)} t`,
    );
    out[name] = result.rows[0];
  }
  return out;
}

/** Every message in a zod error, union branches included. */
function zodMessages(error: unknown): string[] {
  if (!(error instanceof z.ZodError)) return [];
  const walk = (issues: z.core.$ZodIssue[]): string[] =>
    issues.flatMap((issue) => [
      issue.message,
      ...(issue.code === 'invalid_union' ? issue.errors.flatMap((branch) => walk(branch)) : []),
    ]);
  return walk(error.issues);
}

const challengeWith = (field: Record<string, unknown>) => ({ challenge: { ...addChallenge(), ...field } });
const legacyWith = (field: Record<string, unknown>) => ({
  challenge: {
    selectorDescription: 'Double a number',
    description: '<p>Return 2 * n</p>',
    content: 'function double(n) {\n}',
    testCases: [{ input: 2, expectedOutput: 4 }],
    functionName: 'double',
    points: 10,
    difficulty: 'easy',
    ...field,
  },
});

/** [procedure, field, call with `bad` in that field and everything else valid]. */
const FIELDS: [string, string, (bad: string) => Promise<unknown>][] = [
  [
    'auth.signup',
    'email',
    (bad) => api.anonymous().auth.signup({ email: `a${bad}@example.com`, password: PASSWORD }),
  ],
  [
    'auth.signup',
    'password',
    (bad) => api.anonymous().auth.signup({ email: 'p@example.com', password: `${PASSWORD}${bad}` }),
  ],
  [
    'auth.signup',
    'username',
    (bad) =>
      api.anonymous().auth.signup({ email: 'u@example.com', password: PASSWORD, username: `ada${bad}` }),
  ],
  [
    'auth.signup',
    'name',
    (bad) => api.anonymous().auth.signup({ email: 'n@example.com', password: PASSWORD, name: bad }),
  ],
  ['auth.login', 'identifier', (bad) => api.anonymous().auth.login({ identifier: bad, password: PASSWORD })],
  ['auth.login', 'password', (bad) => api.anonymous().auth.login({ identifier: user.email, password: bad })],
  [
    'auth.refresh',
    'refreshToken',
    (bad) => api.anonymous().auth.refresh({ refreshToken: bad, tokenDelivery: 'body' }),
  ],
  ['auth.updateProfile', 'name', (bad) => api.as(user).auth.updateProfile({ name: bad })],
  ['auth.updateProfile', 'username', (bad) => api.as(user).auth.updateProfile({ username: `ada${bad}` })],
  [
    'auth.updateProfile',
    'preferences[]',
    (bad) => api.as(user).auth.updateProfile({ preferences: [`js${bad}`] }),
  ],
  [
    'auth.updateProfile',
    'timezone',
    (bad) => api.as(user).auth.updateProfile({ timezone: `Europe/Paris${bad}` }),
  ],
  [
    'auth.changePassword',
    'currentPassword',
    (bad) => api.as(user).auth.changePassword({ currentPassword: bad, newPassword: PASSWORD }),
  ],
  [
    'auth.changePassword',
    'newPassword',
    (bad) =>
      api.as(user).auth.changePassword({ currentPassword: PASSWORD, newPassword: `${PASSWORD}${bad}` }),
  ],
  ['auth.deleteAccount', 'password', (bad) => api.as(user).auth.deleteAccount({ password: bad })],
  // Two-step sign-in, step-up and password reset (#16).
  ['auth.mfa.setup', 'password', (bad) => api.as(user).auth.mfa.setup({ password: bad })],
  ['auth.mfa.enable', 'code', (bad) => api.as(user).auth.mfa.enable({ code: `123456${bad}` })],
  ['auth.mfa.disable', 'password', (bad) => api.as(user).auth.mfa.disable({ password: bad, code: '123456' })],
  [
    'auth.mfa.disable',
    'recoveryCode',
    (bad) => api.as(user).auth.mfa.disable({ password: PASSWORD, recoveryCode: `abcde-fghij${bad}` }),
  ],
  [
    'auth.mfa.verify',
    'mfaToken',
    (bad) => api.anonymous().auth.mfa.verify({ mfaToken: `t${bad}`, code: '123456' }),
  ],
  [
    'auth.mfa.verify',
    'code',
    (bad) => api.anonymous().auth.mfa.verify({ mfaToken: 'token', code: `12345${bad}` }),
  ],
  ['auth.reauthenticate', 'password', (bad) => api.as(user).auth.reauthenticate({ password: bad })],
  ['auth.reauthenticate', 'code', (bad) => api.as(user).auth.reauthenticate({ code: `${bad}123456` })],
  [
    'auth.resetPassword',
    'token',
    (bad) => api.anonymous().auth.resetPassword({ token: `t${bad}`, newPassword: PASSWORD }),
  ],
  [
    'auth.resetPassword',
    'newPassword',
    (bad) => api.anonymous().auth.resetPassword({ token: 'token', newPassword: `${PASSWORD}${bad}` }),
  ],
  [
    'auth.requestPasswordReset',
    'email',
    (bad) => api.anonymous().auth.requestPasswordReset({ email: `a${bad}@example.com` }),
  ],
  [
    'challenges.run',
    'code',
    (bad) => api.as(user).challenges.run({ challengeId, code: `function add(a, b) { return '${bad}'; }` }),
  ],
  ['challenges.submit', 'code', (bad) => api.as(user).challenges.submit({ challengeId, code: `// ${bad}` })],
  ['challenges.completed', 'cursor', (bad) => api.as(user).challenges.completed({ cursor: bad })],
  ['challenges.submissions', 'cursor', (bad) => api.as(user).challenges.submissions({ cursor: bad })],
  [
    'challenges.solutions',
    'cursor',
    (bad) => api.as(user).challenges.solutions({ challengeId, cursor: bad }),
  ],
  ['groups.create', 'name', (bad) => api.as(user).groups.create({ name: `league ${bad}` })],
  ['inbox.list', 'cursor', (bad) => api.as(user).inbox.list({ cursor: bad })],
  ['leaderboard.top', 'cursor', (bad) => api.as(user).leaderboard.top({ cursor: bad })],
  [
    'inbox.send',
    'content',
    (bad) => api.as(admin).inbox.send({ content: `hello ${bad}`, to: { everyone: true } }),
  ],
  [
    'inbox.send',
    'icon',
    (bad) => api.as(admin).inbox.send({ content: 'hello', icon: bad, to: { everyone: true } }),
  ],
  [
    'inbox.send',
    'bannerColor',
    (bad) =>
      api.as(admin).inbox.send({ content: 'hello', bannerColor: `#2821fc${bad}`, to: { everyone: true } }),
  ],
  [
    'inbox.send',
    'to.username',
    (bad) => api.as(admin).inbox.send({ content: 'hello', to: { username: `ada${bad}` } }),
  ],
  ['admin.users.list', 'query', (bad) => api.as(admin).admin.users.list({ query: bad })],
  ['admin.users.list', 'cursor', (bad) => api.as(admin).admin.users.list({ cursor: bad })],
  ['admin.users.get', 'username', (bad) => api.as(admin).admin.users.get({ username: `ada${bad}` })],
  ['admin.apiKeys.create', 'name', (bad) => api.as(admin).admin.apiKeys.create({ name: `ci ${bad}` })],
  [
    'admin.apiKeys.revoke',
    'id',
    (bad) => api.as(admin).admin.apiKeys.revoke({ id: `0123456789abcde${bad}` }),
  ],
  ['challenges.list', 'query', (bad) => api.as(admin).challenges.list({ query: bad })],
  ['challenges.list', 'cursor', (bad) => api.as(admin).challenges.list({ cursor: bad })],
  ['challenges.get', 'id (slug)', (bad) => api.as(admin).challenges.get({ id: `add${bad}` })],
  ['challenges.publish', 'id (slug)', (bad) => api.as(admin).challenges.publish({ id: `add${bad}` })],
  ...['title', 'summary', 'description', 'starterCode', 'help', 'solution', 'slug', 'functionName'].map(
    (field): [string, string, (bad: string) => Promise<unknown>] => [
      'challenges.create',
      field,
      (bad) => api.as(admin).challenges.create(challengeWith({ [field]: `add${bad}` })),
    ],
  ),
  [
    'challenges.create',
    'tags[]',
    (bad) => api.as(admin).challenges.create(challengeWith({ tags: [`math${bad}`] })),
  ],
  [
    'challenges.create',
    'generator.inFn',
    (bad) =>
      api
        .as(admin)
        .challenges.create(
          challengeWith({ generator: { inFn: `[1, 2] // ${bad}`, outFn: 'return true', cases: 1 } }),
        ),
  ],
  ...['selectorDescription', 'description', 'content', 'difficulty'].map(
    (field): [string, string, (bad: string) => Promise<unknown>] => [
      'challenges.create (legacy body)',
      field,
      (bad) => api.as(admin).challenges.create(legacyWith({ [field]: `easy${bad}` })),
    ],
  ),
  ...['title', 'description', 'help', 'solution'].map(
    (field): [string, string, (bad: string) => Promise<unknown>] => [
      'challenges.update',
      `patch.${field}`,
      (bad) => api.as(admin).challenges.update({ id: challengeId, patch: { [field]: `x${bad}` } }),
    ],
  ),
];

describe.each([
  ['U+0000', '\u0000', TEXT_MESSAGES.nul],
  ['a lone surrogate (U+D800)', '\ud800', TEXT_MESSAGES.loneSurrogate],
])('text containing %s', (_what, bad, message) => {
  it.each(FIELDS)(
    '%s refuses it in %s with BAD_REQUEST, writing nothing',
    async (_procedure, _field, call) => {
      const before = await fingerprint();
      const error = await expectTrpcError(call(bad), 'BAD_REQUEST', 'VALIDATION_FAILED');
      expect(zodMessages(error.cause)).toContain(message);
      expect(await fingerprint()).toEqual(before);
    },
  );
});

describe('database data exceptions (SQLSTATE class 22)', () => {
  const inTransaction = (...statements: SQL[]) =>
    api.database.db.transaction(async (tx) => {
      for (const statement of statements) await tx.execute(statement);
    });

  it.each<[string, string, () => Promise<unknown>]>([
    ['invalid text representation', '22P02', () => api.database.db.execute(sql`select 'x'::int`)],
    ['invalid datetime format', '22007', () => api.database.db.execute(sql`select 'soon'::timestamptz`)],
    [
      'datetime field overflow',
      '22008',
      () => api.database.db.execute(sql`select ${'2024-13-45 25:61:61'}::timestamptz`),
    ],
    ['numeric value out of range', '22003', () => api.database.db.execute(sql`select ${'2147483648'}::int4`)],
    [
      'untranslatable character (U+0000 in jsonb)',
      '22P05',
      () => api.database.db.execute(sql`select '"\\u0000"'::jsonb`),
    ],
    [
      'string data right truncation',
      '22001',
      () =>
        inTransaction(
          sql`create temporary table short_text (v varchar(2)) on commit drop`,
          sql`insert into short_text values (${'abc'})`,
        ),
    ],
    ['division by zero', '22012', () => api.database.db.execute(sql`select 1 / ${0}::int`)],
  ])(
    'a real %s error becomes BAD_REQUEST VALIDATION_FAILED, its message unsaid',
    async (_what, code, run) => {
      const cause = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(pgErrorInfo(cause)?.code).toBe(code);
      // What tRPC hands the error mapping when a resolver throws a database error.
      const mapped = toTRPCError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }));
      const e = await expectTrpcError(Promise.reject(mapped), 'BAD_REQUEST', 'VALIDATION_FAILED');
      expect(e.message).toBe(
        'A value in this request cannot be stored or compared (malformed or out of range)',
      );
    },
  );

  it('leaves other database errors internal', async () => {
    const cause = await api.database.db.execute(sql`select * from no_such_table`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(pgErrorInfo(cause)?.code).toBe('42P01');
    expect(toTRPCError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause })).code).toBe(
      'INTERNAL_SERVER_ERROR',
    );
  });
});
