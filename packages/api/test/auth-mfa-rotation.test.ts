import { schema } from '@skillbytes/db';
import { eq, isNotNull } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rekeyMfaSecrets } from '../src/auth/mfa-rekey.ts';
import { decryptMfaSecret } from '../src/auth/mfa-secret.ts';
import type { ApiConfig } from '../src/config.ts';
import { createContextInner } from '../src/context.ts';
import { appRouter } from '../src/root.ts';
import { createServices } from '../src/services.ts';
import { createCallerFactory } from '../src/trpc.ts';
import { expectError, GENEROUS_LIMITS, PASSWORD, signUp, withBearer } from './auth-helpers.ts';
import { createTestApi, type TestApi, unusedJudge } from './helpers.ts';

/** Rotating MFA_ENCRYPTION_KEY with MFA_PREVIOUS_KEYS: nobody is locked out, and the old key can go. */

const createCaller = createCallerFactory(appRouter);
const STEP_MS = 30_000;
const KEY_B = new Uint8Array(32).fill(0xb);
const KEY_C = new Uint8Array(32).fill(0xc);

let api: TestApi;
/** The key the test API encrypts with (test/helpers.ts): "the old key" here. */
let keyA: Uint8Array;
/** Configurations of a server restarted with other keys. */
let rotated: ApiConfig;
let onlyB: ApiConfig;
let onlyA: ApiConfig;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
  keyA = api.services.config.mfaEncryptionKey;
  const base = api.services.config;
  rotated = { ...base, mfaEncryptionKey: KEY_B, mfaPreviousKeys: [keyA] };
  onlyB = { ...base, mfaEncryptionKey: KEY_B, mfaPreviousKeys: [] };
  onlyA = { ...base, mfaEncryptionKey: keyA, mfaPreviousKeys: [] };
});
afterAll(() => api?.close());

const codeAt = (secret: string) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: api.clock.now().getTime() });
const nextStep = () => api.clock.advance(STEP_MS - (api.clock.now().getTime() % STEP_MS));

/** A caller of the same database and clock, as a server started with `config` would answer. */
const anonymousWith = (config: ApiConfig) =>
  createCaller(createContextInner({ services: { ...api.services, config } }));

/** A user who turned TOTP on under the test API's key (A), or under `config`'s. */
async function mfaUser(config: ApiConfig = api.services.config) {
  const account = await signUp(api);
  const me = createCaller(
    createContextInner({
      services: { ...api.services, config },
      credentials: { bearer: account.accessToken },
    }),
  );
  const { secret } = await me.auth.mfa.setup({ password: PASSWORD });
  nextStep();
  await me.auth.mfa.enable({ code: codeAt(secret) });
  nextStep();
  return { ...account, secret };
}

/** Signs in with the password and a fresh code on a server with `config`. */
async function signInWithCode(config: ApiConfig, user: { user: { email: string }; secret: string }) {
  nextStep();
  const caller = anonymousWith(config);
  const answer = await caller.auth.login({
    identifier: user.user.email,
    password: PASSWORD,
    tokenDelivery: 'body',
  });
  if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
  return caller.auth.mfa.verify({ mfaToken: answer.mfaToken, code: codeAt(user.secret) });
}

const storedSecret = async (userId: string) => {
  const [row] = await api.database.db
    .select({ secret: schema.users.mfaSecret })
    .from(schema.users)
    .where(eq(schema.users.id, userId));
  return row!.secret!;
};

const enabledCount = async () =>
  (
    await api.database.db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(isNotNull(schema.users.mfaSecret))
  ).length;

describe('rotating MFA_ENCRYPTION_KEY', () => {
  it('a secret under the previous key still passes a TOTP check; with the old key gone too soon it does not', async () => {
    const user = await mfaUser();
    await expect(signInWithCode(rotated, user)).resolves.toMatchObject({ accessToken: expect.any(String) });
    await expectError(signInWithCode(onlyB, user), 'UNAUTHORIZED', 'INVALID_MFA_CODE');
  });

  it('the sweep stores every secret under the current key exactly once, also when two processes sweep at once', async () => {
    const users = [await mfaUser(), await mfaUser(), await mfaUser()];
    // Enrolled under a key this server does not have: counted, left as it is.
    const lost = await mfaUser({ ...api.services.config, mfaEncryptionKey: KEY_C, mfaPreviousKeys: [] });
    const lostBefore = await storedSecret(lost.user.id);
    const total = await enabledCount();

    const [one, two] = await Promise.all([
      rekeyMfaSecrets({ db: api.database.db, config: rotated }),
      rekeyMfaSecrets({ db: api.database.db, config: rotated }),
    ]);
    expect(one.rekeyed + two.rekeyed).toBe(total - 1);
    expect(one.undecryptable).toBe(1);
    expect(two.undecryptable).toBe(1);
    expect(await rekeyMfaSecrets({ db: api.database.db, config: rotated })).toEqual({
      rekeyed: 0,
      current: total - 1,
      undecryptable: 1,
    });
    expect(await storedSecret(lost.user.id)).toBe(lostBefore);

    for (const user of users) {
      const stored = await storedSecret(user.user.id);
      expect(decryptMfaSecret(onlyB, user.user.id, stored)).toBe(user.secret);
      expect(decryptMfaSecret(onlyA, user.user.id, stored)).toBeNull();
    }
    // The old key can go: a server with only the new one signs everyone in.
    for (const user of users) {
      await expect(signInWithCode(onlyB, user)).resolves.toMatchObject({ accessToken: expect.any(String) });
    }
  });

  it('a secret set up before the rotation and confirmed after it is turned on under the current key', async () => {
    const account = await signUp(api);
    const { secret } = await withBearer(api, account.accessToken).auth.mfa.setup({ password: PASSWORD });
    nextStep();
    const afterRotation = createCaller(
      createContextInner({
        services: { ...api.services, config: rotated },
        credentials: { bearer: account.accessToken },
      }),
    );
    await afterRotation.auth.mfa.enable({ code: codeAt(secret) });
    expect(decryptMfaSecret(onlyB, account.user.id, await storedSecret(account.user.id))).toBe(secret);
  });

  it('a server started with previous keys sweeps in the background, and stops with its services', async () => {
    const user = await mfaUser(onlyB);
    // The next rotation: C is current, B previous.
    const next: ApiConfig = { ...api.services.config, mfaEncryptionKey: KEY_C, mfaPreviousKeys: [KEY_B] };
    const services = await createServices({
      database: api.database,
      config: next,
      judge: unusedJudge,
      clock: api.clock,
    });
    try {
      const onlyC = { ...next, mfaPreviousKeys: [] };
      await expect
        .poll(async () => decryptMfaSecret(onlyC, user.user.id, await storedSecret(user.user.id)), {
          timeout: 60_000,
          interval: 50,
        })
        .toBe(user.secret);
    } finally {
      await services.close();
    }
  });
});
