import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectTrpcError } from './challenges-fixtures.ts';
import { createTestApi, type TestApi, unusedJudge } from './helpers.ts';

let api: TestApi;
let user: Awaited<ReturnType<TestApi['createUser']>>;
let admin: Awaited<ReturnType<TestApi['createUser']>>;
beforeAll(async () => {
  api = await createTestApi({ judge: unusedJudge });
  user = await api.createUser();
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

const ID = randomUUID();
const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const raw = (json: string) => Buffer.from(json).toString('base64url');

/** Cursors no server ever made; each list must refuse every one of them with a 400. */
const FORGED: [string, string][] = [
  ['month 13, day 45 at 25:61:61 (issue 9)', forge(['2024-13-45 25:61:61', ID])],
  ['a bad date: February 30', forge(['2026-02-30 12:00:00+00', ID])],
  ['a bad date: year 0', forge(['0000-01-01 00:00:00+00', ID])],
  ['a bad date: a five-digit year', forge(['99999-01-01 00:00:00+00', ID])],
  ['a bad time: 24:00:00', forge(['2026-03-02 24:00:00+00', ID])],
  ['a bad time: minute 61', forge(['2026-03-02 12:61:00+00', ID])],
  ['a bad time zone offset: +99', forge(['2026-03-02 12:00:00+99', ID])],
  ['a bad uuid', forge(['2026-03-02 12:00:00+00', 'not-a-uuid'])],
  ['a uuid with a non-hex digit', forge(['2026-03-02 12:00:00+00', `${ID.slice(0, -1)}g`])],
  ['not base64', '%%%not base64%%%'],
  ['not JSON', raw('["2026-03-02 12:00:00+00",')],
  ['JSON but not a tuple', forge({ at: '2026-03-02 12:00:00+00', id: ID })],
  ['wrong arity: one field', forge(['2026-03-02 12:00:00+00'])],
  ['wrong arity: three fields', forge(['2026-03-02 12:00:00+00', ID, 1])],
  ['huge: longer than any cursor', forge(['2026-03-02 12:00:00+00', ID, 'x'.repeat(500)])],
  ['huge: a number beyond every range', raw(`[1e400,"${ID}"]`)],
  ['points beyond the integer range', forge([2 ** 31, ID])],
  ['fractional points', forge([1.5, ID])],
  ['negative points', forge([-1, ID])],
  ['points as a string', forge(['10', ID])],
];

const LISTS: [string, (cursor: string) => Promise<unknown>][] = [
  ['challenges.completed', (cursor) => api.as(user).challenges.completed({ cursor })],
  ['challenges.submissions', (cursor) => api.as(user).challenges.submissions({ cursor })],
  ['inbox.list', (cursor) => api.as(user).inbox.list({ cursor })],
  ['leaderboard.top', (cursor) => api.as(user).leaderboard.top({ cursor })],
  ['admin.users.list', (cursor) => api.as(admin).admin.users.list({ cursor })],
  ['challenges.list (admin)', (cursor) => api.as(admin).challenges.list({ cursor })],
];

describe.each(LISTS)('%s', (_name, list) => {
  it.each(FORGED)('refuses a forged cursor (%s) with BAD_REQUEST, not a 500', async (_what, cursor) => {
    await expectTrpcError(list(cursor), 'BAD_REQUEST', 'VALIDATION_FAILED');
  });
});

/**
 * tRPC's infinite queries (`useInfiniteQuery`) send `direction` with each page: every list takes
 * `forward` and refuses `backward`, which keyset pages cannot answer.
 */
// `backward` is not in the input type: a client that sends it anyway is refused at run time.
const DIRECTED: [string, (direction: 'forward') => Promise<unknown>][] = [
  ['challenges.completed', (direction) => api.as(user).challenges.completed({ direction })],
  ['challenges.submissions', (direction) => api.as(user).challenges.submissions({ direction })],
  ['inbox.list', (direction) => api.as(user).inbox.list({ direction })],
  ['leaderboard.top', (direction) => api.as(user).leaderboard.top({ direction })],
  ['admin.users.list', (direction) => api.as(admin).admin.users.list({ direction })],
  ['challenges.list (admin)', (direction) => api.as(admin).challenges.list({ direction })],
];

describe.each(DIRECTED)('%s with an infinite query’s direction', (_name, list) => {
  it('answers forward and refuses backward', async () => {
    await list('forward');
    await expectTrpcError(list('backward' as 'forward'), 'BAD_REQUEST', 'VALIDATION_FAILED');
  });
});
