import { randomUUID } from 'node:crypto';
import { TEXT_MESSAGES } from '@skillbytes/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TrpcBody, trpcGet, trpcPost } from './harness.ts';

let server: TestServer;
let bearer: Record<string, string>;
beforeAll(async () => {
  server = await startTestServer();
  const { body } = await trpcPost(server.url, 'auth.signup', {
    email: `bad-input-${randomUUID().slice(0, 8)}@example.com`,
    password: 'vivid tundra marble kettle',
    tokenDelivery: 'body',
  });
  const tokens = body.result?.data.json as { accessToken: string } | undefined;
  bearer = { authorization: `Bearer ${tokens?.accessToken}` };
});
afterAll(() => server?.close());

/** A 400 VALIDATION_FAILED that says nothing of the database. */
function expectValidationFailed(res: Response, body: TrpcBody) {
  expect(res.status).toBe(400);
  expect(body.error?.json.data.appCode).toBe('VALIDATION_FAILED');
  expect(body.error?.json.data.stack).toBeUndefined();
  expect(JSON.stringify(body)).not.toMatch(/invalid byte sequence|out of range|timestamp|SQL/i);
}

describe('text the database cannot store, over HTTP', () => {
  it('U+0000 in the login identifier is a 400 before any sign-in, not a 500', async () => {
    const { res, body } = await trpcPost(server.url, 'auth.login', {
      identifier: 'ada\u0000',
      password: 'whatever password',
    });
    expectValidationFailed(res, body);
    expect(JSON.stringify(body.error?.json.data.zodIssues)).toContain(TEXT_MESSAGES.nul);
  });

  it('a lone surrogate in a profile name (a \\ud800 escape in the JSON body) is a 400', async () => {
    const { res, body } = await trpcPost(server.url, 'auth.updateProfile', { name: 'Ada \ud800' }, bearer);
    expectValidationFailed(res, body);
    expect(JSON.stringify(body.error?.json.data.zodIssues)).toContain(TEXT_MESSAGES.loneSurrogate);
    const me = await trpcGet(server.url, 'auth.me', undefined, bearer);
    expect(me.body.result?.data.json).toMatchObject({ name: null });
  });
});

describe('forged cursors, over HTTP', () => {
  const forged = Buffer.from(JSON.stringify(['2024-13-45 25:61:61', randomUUID()])).toString('base64url');

  it.each(['inbox.list', 'challenges.completed', 'challenges.submissions'])(
    '%s answers a cursor dated 2024-13-45 25:61:61 with a 400',
    async (procedure) => {
      const { res, body } = await trpcGet(server.url, procedure, { cursor: forged }, bearer);
      expectValidationFailed(res, body);
      expect(body.error?.json.message).toMatch(/Invalid cursor/);
    },
  );
});
