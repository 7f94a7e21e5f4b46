import { trpcPost } from '@skillbytes/server/testing';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  type AppUnderTest,
  PASSWORD,
  REVERSE,
  resultOf,
  shiftableClock,
  signUpAndOnboard,
  startApp,
} from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf } from './browser.ts';

const EMAIL = 'ada@example.com';

describe.skipIf(!hasChromium)('two-step sign-in and step-up in the browser', () => {
  const clock = shiftableClock();
  let app: AppUnderTest;
  let page: Page;
  let secret: string;
  let recoveryCodes: string[];
  /** The code the app shows at the server's time (the test clock); `steps` later for a new one. */
  const code = (steps = 0) =>
    TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now().getTime() + steps * 30_000 });

  beforeAll(async () => {
    app = await startApp({}, { clock });
    page = await app.context.newPage();
    await signUpAndOnboard(page, { email: EMAIL, username: 'ada', name: 'Ada Lovelace' });
    // Enrolled from another client (a second session), as the API allows.
    const login = await trpcPost(app.server.url, 'auth.login', {
      identifier: EMAIL,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const bearer = {
      authorization: `Bearer ${resultOf<{ accessToken: string }>(login.body).accessToken}`,
    };
    const setup = await trpcPost(app.server.url, 'auth.mfa.setup', { password: PASSWORD }, bearer);
    secret = resultOf<{ secret: string }>(setup.body).secret;
    const enable = await trpcPost(app.server.url, 'auth.mfa.enable', { code: code() }, bearer);
    recoveryCodes = resultOf<{ recoveryCodes: string[] }>(enable.body).recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
  });
  afterAll(() => app?.close());

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([page], name));

  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  };

  const typePassword = async () => {
    await page.getByLabel('Email or username').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  };

  it('signing out other devices after a while asks for the password again, then does it', async () => {
    onFailure('mfa-step-up');
    clock.advance(11 * 60_000);
    await page.getByRole('link', { name: 'Devices' }).click();
    const rows = page.getByRole('table', { name: 'Devices' }).locator('tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    await page.getByRole('button', { name: 'Sign out every other device' }).click();
    const prompt = page.getByRole('form', { name: 'Confirm it is you' });
    await prompt.waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await prompt.getByLabel('Password').fill(PASSWORD);
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => rows.count(), POLL).toBe(1);
    expect(await prompt.count()).toBe(0);
  });

  it('the sign-in form asks for the authenticator code after the password', async () => {
    onFailure('mfa-code');
    await signOut();
    await typePassword();
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(textOf(page.getByRole('alert')), POLL).toContain('not valid');
    await page.getByLabel('Code from your authenticator app').fill(code(1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: REVERSE.title }).waitFor();
  });

  it('or one of the recovery codes instead', async () => {
    onFailure('mfa-recovery');
    await signOut();
    await typePassword();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: REVERSE.title }).waitFor();
  });
});
