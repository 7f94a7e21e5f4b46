import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type AppUnderTest, REVERSE, runAdminCli, signUpAndOnboard, startApp } from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf, watchCsp } from './browser.ts';

const NEW_PASSWORD = 'marigold ferry quartz 305';

describe.skipIf(!hasChromium)('password reset in the browser', () => {
  let app: AppUnderTest;
  let page: Page;
  let cspViolations: string[];

  beforeAll(async () => {
    app = await startApp();
    page = await app.context.newPage();
    cspViolations = await watchCsp(page);
    await signUpAndOnboard(page, { email: 'grace@example.com', username: 'grace', name: 'Grace Hopper' });
  });
  afterAll(() => app?.close());

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([page], name));

  /** A link as `skillbytes-admin users reset-password` prints it; its fragment opened on the server under test. */
  async function issueLink(username: string) {
    const cli = await runAdminCli(app, ['users', 'reset-password', username, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const { url } = JSON.parse(cli.stdout) as { url: string };
    return `/reset-password${new URL(url).hash}`;
  }

  it('an admin link opens the form, the passwords must match, and the new one signs in', async () => {
    onFailure('reset-link');
    const link = await issueLink('grace');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // The token leaves the address bar (and the history) once read.
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('The same again').fill(`${NEW_PASSWORD}x`);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(textOf(page.getByRole('alert')), POLL).toContain('The two passwords differ');

    await page.getByLabel('The same again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(textOf(page.getByRole('status')), POLL).toContain('Your password is changed');

    await page.getByRole('link', { name: 'Sign in with your new password' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email or username').fill('grace');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: REVERSE.title }).waitFor();

    // The same link again: refused, with a way to ask for another one.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('another long phrase 8812');
    await page.getByLabel('The same again').fill('another long phrase 8812');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(textOf(page.getByRole('alert')), POLL).toContain('not valid');
    await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
    expect(cspViolations).toEqual([]);
  });

  it('"Forgot your password?" says to ask an admin on a server that sends no mail', async () => {
    onFailure('reset-forgot');
    const fresh = await app.browser.newContext({ baseURL: app.server.url });
    try {
      const signedOut = await fresh.newPage();
      await signedOut.goto('/signin');
      await signedOut.getByRole('link', { name: 'Forgot your password?' }).click();
      await signedOut.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
      await signedOut.getByLabel('Email').fill('grace@example.com');
      await signedOut.getByRole('button', { name: 'Send the link' }).click();
      await expect
        .poll(textOf(signedOut.getByRole('alert')), POLL)
        .toContain('Ask an admin for a password reset link');
    } finally {
      await fresh.close();
    }
  });
});

describe.skipIf(!hasChromium)('"Forgot your password?" on a server that sends mail', () => {
  /** A real SMTP server on an ephemeral port; every mail it receives, parsed. */
  const mails: ParsedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    app = await startApp({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_FROM: 'Skill Bytes <noreply@skillbytes.test>',
      PUBLIC_URL: 'https://skillbytes.test',
    });
    page = await app.context.newPage();
    await signUpAndOnboard(page, { email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace' });
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
  afterAll(async () => {
    await app?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('mails a link to a known address only, answering both alike, and the link sets a new password', async () => {
    onTestFailed(() => screenshotPages([page], 'reset-mail'));
    const ask = async (email: string) => {
      await page.goto('/forgot-password');
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await expect
        .poll(textOf(page.getByRole('status')), POLL)
        .toContain(`If an account has the address ${email}, a link`);
    };
    await ask('nobody@example.com');
    await ask('ada@example.com');
    // Mails go out in request order, one at a time: once Ada's has arrived, the unknown address's job is done.
    await expect.poll(() => mails.length, POLL).toBe(1);
    const mail = mails[0]!;
    expect(mail.to && 'text' in mail.to && mail.to.text).toBe('ada@example.com');
    const url = /https:\/\/skillbytes\.test\/reset-password#token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0];
    expect(url).toBeDefined();

    // The mailed link, opened on the server under test.
    await page.goto(`/reset-password${new URL(url!).hash}`);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('The same again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(textOf(page.getByRole('status')), POLL).toContain('Your password is changed');
    await page.getByRole('link', { name: 'Sign in with your new password' }).click();
    await page.getByLabel('Email or username').fill('ada@example.com');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: REVERSE.title }).waitFor();
  });
});
