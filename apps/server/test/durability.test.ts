import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmptyPgDatabase } from '@skillbytes/db/testing';
import { describe, expect, it } from 'vitest';
import { spawnServer, type TrpcBody, trpcGet, trpcPost } from './harness.ts';

/** The result of a successful call (the error, if it failed). */
function dataOf<T>(body: TrpcBody): T {
  if (!body.result) throw new Error(`call failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json as T;
}

const PASSWORD = 'vivid tundra marble kettle';

/**
 * Sign up, stop the server with SIGTERM (it must exit 0), start it again on the same storage, and find
 * the account there: the data (and, for PGlite, the generated signing secret) survived the restart.
 */
async function survivesRestart(env: Record<string, string>) {
  const name = `dur${Date.now().toString(36)}`;
  const first = await spawnServer(env);
  let token: string;
  try {
    const signed = await trpcPost(first.url, 'auth.signup', {
      email: `${name}@example.com`,
      username: name,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    expect(signed.res.status).toBe(200);
    token = dataOf<{ accessToken: string }>(signed.body).accessToken;
  } finally {
    expect(await first.stop('SIGTERM')).toBe(0);
  }

  const second = await spawnServer(env);
  try {
    const login = await trpcPost(second.url, 'auth.login', {
      identifier: name,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    expect(login.res.status).toBe(200);
    const { accessToken } = dataOf<{ accessToken: string }>(login.body);
    const me = await trpcGet(second.url, 'auth.me', undefined, { authorization: `Bearer ${accessToken}` });
    expect(me.body.result?.data.json).toMatchObject({ email: `${name}@example.com`, username: name });
    // The session from before the restart is still valid: same database, same signing key.
    const before = await trpcGet(second.url, 'auth.me', undefined, { authorization: `Bearer ${token}` });
    expect(before.res.status).toBe(200);
  } finally {
    expect(await second.stop('SIGTERM')).toBe(0);
  }
}

describe('durability across restarts', () => {
  it('embedded PGlite in DATA_DIR keeps accounts through a SIGTERM and restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-durable-'));
    try {
      await survivesRestart({ DATA_DIR: dataDir, SEED_STARTER_POOL: 'false' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'PostgreSQL (DATABASE_URL) keeps accounts through a SIGTERM and restart',
    async () => {
      const pg = await createEmptyPgDatabase(process.env.TEST_DATABASE_URL!);
      const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-durable-'));
      try {
        await survivesRestart({
          DATABASE_URL: pg.url,
          DATA_DIR: dataDir,
          JWT_SECRET: 'durability-secret-durability-secret-0123',
          MFA_ENCRYPTION_KEY: 'AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=',
          SEED_STARTER_POOL: 'false',
        });
      } finally {
        await pg.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
