import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, trpcPost } from './harness.ts';
import { type DocumentCall, documentClient, type OpenApiDocument } from './openapi-client.ts';

const ADMIN = { email: 'rest-admin@example.com', password: 'rest-admin-password-1' };

/** The only published challenge, so it is every new user's daily one. */
const REVERSE = {
  title: 'Reverse a string',
  summary: 'Reverse a string',
  description: '<p>Write <code>reverseString(str)</code>.</p>',
  difficulty: 'beginner',
  tags: ['strings'],
  points: 10,
  functionName: 'reverseString',
  starterCode: 'function reverseString(str) {\n}\n',
  tests: [
    { input: ['hello'], expectedOutput: 'olleh' },
    { input: [''], expectedOutput: '' },
  ],
  hiddenTests: [{ input: ['racecar!'], expectedOutput: '!racecar' }],
  solution: "function reverseString(str) { return [...str].reverse().join(''); }",
};

let server: TestServer;
let challengeId: string;

beforeAll(async () => {
  server = await startTestServer({
    SEED_STARTER_POOL: 'false',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    JUDGE_SUBMIT_QUANTUM_MS: '0',
  });
  // Setting the stage is the admin's job, over tRPC (admin procedures are not REST).
  const login = await trpcPost(server.url, 'auth.login', {
    identifier: ADMIN.email,
    password: ADMIN.password,
    tokenDelivery: 'body',
  });
  const { accessToken } = login.body.result!.data.json as { accessToken: string };
  const created = await trpcPost(
    server.url,
    'challenges.create',
    { challenge: REVERSE, publish: true },
    { authorization: `Bearer ${accessToken}` },
  );
  expect(created.res.status).toBe(200);
  challengeId = (created.body.result!.data.json as { id: string }).id;
});
afterAll(() => server?.close());

type Body = Record<string, unknown>;
const ok = (call: DocumentCall) => {
  expect(call.status, JSON.stringify(call.body)).toBe(200);
  return call.body as Body;
};

describe('a plain fetch client that follows only /openapi.json', () => {
  it('signs up, gets the daily challenge, has a wrong solution refused and a right one accepted', async () => {
    const docUrl = `${server.url}/openapi.json`;
    const doc = (await (await fetch(docUrl)).json()) as OpenApiDocument;
    const api = documentClient(docUrl, doc);

    const signedUp = ok(
      await api.call('authSignup', {
        email: `rest-${randomUUID().slice(0, 8)}@example.com`,
        password: 'vivid tundra marble kettle',
      }),
    );
    const token = signedUp.accessToken as string;
    expect(token).toEqual(expect.any(String));
    expect(signedUp.refreshToken).toEqual(expect.any(String));
    expect(Date.parse(signedUp.expiresAt as string)).toBeGreaterThan(Date.now());

    const daily = ok(await api.call('challengesDaily', undefined, token));
    const challenge = daily.challenge as Body;
    expect(challenge.id).toBe(challengeId);
    expect(daily.completed).toBe(false);
    expect(challenge.functionName).toBe('reverseString');
    expect(JSON.stringify(daily)).not.toContain('racecar');

    const wrong = ok(
      await api.call(
        'challengesSubmit',
        { challengeId: challenge.id, code: 'function reverseString(str) { return str; }' },
        token,
      ),
    );
    expect((wrong.verdict as Body).status).toBe('wrong_answer');
    expect(wrong.awarded).toBe(0);

    const right = ok(
      await api.call(
        'challengesSubmit',
        {
          challengeId: challenge.id,
          code: "function reverseString(s) { return s.split('').reverse().join(''); }",
        },
        token,
      ),
    );
    expect((right.verdict as Body).status).toBe('accepted');
    expect(right).toMatchObject({ awarded: 10, firstCompletion: true, streak: { current: 1, best: 1 } });

    const status = ok(await api.call('challengesStatus', undefined, token));
    expect(status).toMatchObject({ completedIds: [challengeId], points: 10, currentStreak: 1 });
    const history = ok(await api.call('challengesSubmissions', { limit: 1 }, token));
    expect((history.items as Body[]).map((s) => s.status)).toEqual(['accepted']);
    expect(history.nextCursor).toEqual(expect.any(String));
    const older = ok(
      await api.call('challengesSubmissions', { limit: 1, cursor: history.nextCursor }, token),
    );
    expect((older.items as Body[]).map((s) => s.status)).toEqual(['wrong_answer']);

    const refreshed = ok(await api.call('authRefresh', { refreshToken: signedUp.refreshToken }));
    expect(refreshed.accessToken).not.toBe(token);
    const me = ok(await api.call('authMe', undefined, refreshed.accessToken as string));
    expect(me.points).toBe(10);

    ok(await api.call('authLogout', undefined, refreshed.accessToken as string));
    const after = await api.call('authMe', undefined, refreshed.accessToken as string);
    expect(after.status).toBe(401);
    expect((after.body as { error: Body }).error.appCode).toBe('SESSION_REVOKED');
  });
});
