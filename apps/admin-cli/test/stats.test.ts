import { startTestServer, type TestServer, trpcGet, trpcPost } from '@skillbytes/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApiKey, resultOf, runCli } from './cli-harness.ts';

const ADMIN = { email: 'stats-admin@example.com', password: 'stats-admin-password-1' };

let server: TestServer;
let apiKey: string;
let userToken: string;

beforeAll(async () => {
  server = await startTestServer({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_STARTER_POOL: 'false',
  });
  const admin = await createAdminApiKey(server.url, ADMIN, 'stats');
  apiKey = admin.apiKey;
  const adminAuth = { authorization: `Bearer ${admin.accessToken}` };
  resultOf(
    await trpcPost(
      server.url,
      'challenges.create',
      {
        challenge: {
          slug: 'triple',
          title: 'Triple',
          summary: 'Triple a number.',
          description: 'Write `triple(x)`.',
          difficulty: 'easy',
          points: 10,
          functionName: 'triple',
          tests: [{ input: [2], expectedOutput: 6 }],
          hiddenTests: [{ input: [7], expectedOutput: 21 }],
          solution: 'function triple(x) { return 3 * x; }',
        },
        publish: true,
      },
      adminAuth,
    ),
  );
  userToken = resultOf<{ accessToken: string }>(
    await trpcPost(server.url, 'auth.signup', {
      email: 'stats-user@example.com',
      password: 'a-long-stats-password-4',
      tokenDelivery: 'body',
    }),
  ).accessToken;
  const userAuth = { authorization: `Bearer ${userToken}` };
  const daily = resultOf<{ challenge: { id: string } }>(
    await trpcGet(server.url, 'challenges.daily', undefined, userAuth),
  );
  for (const code of ['function triple(x) { return x; }', 'function triple(x) { return 3 * x; }']) {
    resultOf(
      await trpcPost(server.url, 'challenges.submit', { challengeId: daily.challenge.id, code }, userAuth),
    );
  }
}, 120_000);
afterAll(() => server?.close());

describe('skillbytes-admin stats', () => {
  it('prints users, activity, submissions, acceptance rate and top challenges as a table', async () => {
    const r = await runCli(['--url', server.url, '--api-key', apiKey, 'stats']);
    expect(r.code, r.stderr).toBe(0);
    for (const label of ['users', 'active today', 'submissions', 'acceptance rate', 'top challenges']) {
      expect(r.stdout).toContain(label);
    }
    expect(r.stdout).toMatch(/acceptance rate\s+50\.0%/);
    expect(r.stdout).toMatch(/triple.*Triple.*1.*2.*50\.0%/);
  });

  it('prints the same figures as JSON with --json', async () => {
    const r = await runCli(['stats', '--json', '--url', server.url, '--api-key', apiKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      users: { total: 2, admins: 1 },
      activeToday: 2,
      submissions: { total: 2, accepted: 1 },
      acceptanceRate: 0.5,
      completions: 1,
      topChallenges: [{ slug: 'triple', completions: 1, submissions: 2, acceptanceRate: 0.5 }],
    });
  });

  it('exits 4 with FORBIDDEN for a non-admin, and 4 with a login hint when signed out', async () => {
    const asUser = await runCli(['--url', server.url, '--api-key', userToken, 'stats']);
    expect(asUser.code).toBe(4);
    expect(asUser.stderr).toContain('FORBIDDEN');
    const signedOut = await runCli(['--url', server.url, 'stats', '--json']);
    expect(signedOut.code).toBe(4);
    expect(JSON.parse(signedOut.stderr)).toMatchObject({
      error: { code: 'NOT_SIGNED_IN', hint: expect.stringContaining('skillbytes-admin --url') },
    });
  });
});
