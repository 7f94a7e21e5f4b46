import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, nodeClient, startServer } from './fixtures.ts';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

describe('a login of an account with MFA on (Bearer mode)', () => {
  it('keeps no tokens from the mfaRequired answer, and the ones auth.mfa.verify hands out', async () => {
    const account = newAccount();
    const owner = nodeClient(server);
    await owner.client.auth.signup.mutate({ ...account, tokenDelivery: 'body' });
    const { secret } = await owner.client.auth.mfa.setup.mutate({ password: account.password });
    const code = (steps: number) =>
      TOTP.generate({
        secret: Secret.fromBase32(secret),
        timestamp: server.clock.now().getTime() + steps * 30_000,
      });
    await owner.client.auth.mfa.enable.mutate({ code: code(0) });

    const device = nodeClient(server);
    const answer = await device.client.auth.login.mutate({
      identifier: account.email,
      password: account.password,
      tokenDelivery: 'body',
    });
    if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
    expect(device.tokens.get()).toBeNull();
    const verified = await device.client.auth.mfa.verify.mutate({ mfaToken: answer.mfaToken, code: code(1) });
    expect(device.tokens.get()?.accessToken).toBe(verified.accessToken);
    expect((await device.client.auth.me.query()).mfaEnabled).toBe(true);
  });
});
