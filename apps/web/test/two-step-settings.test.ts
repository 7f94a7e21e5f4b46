// jsqr is CommonJS whose types declare an ES default export: under NodeNext that is `.default`.
import jsqr from 'jsqr';
import { Secret, TOTP, URI } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  type AppUnderTest,
  PASSWORD,
  REVERSE,
  shiftableClock,
  signUpAndOnboard,
  startApp,
} from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf } from './browser.ts';

const EMAIL = 'grace@example.com';

describe.skipIf(!hasChromium)('turning two-step sign-in on and off in the browser', () => {
  const clock = shiftableClock();
  let app: AppUnderTest;
  let page: Page;
  let secret: string;
  let recoveryCodes: string[];
  /** The code an authenticator app shows at the server's time (the test clock). */
  const code = () => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now().getTime() });
  const section = () => page.getByRole('region', { name: 'Two-step sign-in' });

  beforeAll(async () => {
    app = await startApp({}, { clock });
    page = await app.context.newPage();
    await signUpAndOnboard(page, { email: EMAIL, username: 'grace', name: 'Grace Hopper' });
  });
  afterAll(() => app?.close());

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([page], name));

  const signInWithPassword = async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email or username').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('turns it on with the key and a code, and shows the recovery codes once', async () => {
    onFailure('two-step-on');
    await page.getByRole('link', { name: 'Devices' }).click();
    await expect.poll(textOf(section()), POLL).toContain('Off.');
    await section().getByLabel('Password').fill(PASSWORD);
    await section().getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const shown = page.getByTestId('mfa-secret');
    await shown.waitFor();
    secret = ((await shown.textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The QR code a phone scans holds the same key as the link and the text: decode what the page drew.
    const link = await section().getByRole('link', { name: 'open it in the app' }).getAttribute('href');
    const scanned = await readQrCode(page);
    expect(scanned).toBe(link);
    expect((URI.parse(scanned ?? '') as TOTP).secret.base32).toBe(secret);
    // A wrong code is refused and nothing is turned on.
    await section().getByLabel('Code from your authenticator app').fill('000000');
    await section().getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(textOf(section().getByRole('alert')), POLL).toContain('not valid');
    await section().getByLabel('Code from your authenticator app').fill(code());
    await section().getByRole('button', { name: 'Turn on' }).click();
    const list = section().getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    recoveryCodes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    await section().getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(textOf(section()), POLL).toContain('On: signing in asks for a code');
  });

  it('then signing in asks for a code', async () => {
    onFailure('two-step-sign-in');
    clock.advance(30_000); // the next code: the one used to turn it on is spent
    await signInWithPassword();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(code());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: REVERSE.title }).waitFor();
  });

  it('turns it off with the password and a recovery code; signing in is one step again', async () => {
    onFailure('two-step-off');
    await page.getByRole('link', { name: 'Devices' }).click();
    await expect.poll(textOf(section()), POLL).toContain('On: signing in asks for a code');
    await section().getByLabel('Password').fill(PASSWORD);
    await section().getByRole('button', { name: 'Use a recovery code' }).click();
    await section().getByLabel('Recovery code').fill(recoveryCodes[3]!);
    await section().getByRole('button', { name: 'Turn off two-step sign-in' }).click();
    await expect.poll(textOf(section()), POLL).toContain('Off.');
    await signInWithPassword();
    await page.getByRole('heading', { name: REVERSE.title }).waitFor();
  });
});

/**
 * What a camera reads off the page's QR code: the SVG drawn onto a canvas (as a data: image, which the
 * app's Content-Security-Policy allows), its pixels decoded by jsQR. Null when nothing decodes.
 */
async function readQrCode(page: Page): Promise<string | null> {
  const side = 400;
  const pixels = await page.getByTestId('qr-code').evaluate(async (svg, side) => {
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = side;
    canvas.height = side;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    context.drawImage(image, 0, 0, side, side);
    return Array.from(context.getImageData(0, 0, side, side).data);
  }, side);
  return jsqr.default(Uint8ClampedArray.from(pixels), side, side)?.data ?? null;
}
