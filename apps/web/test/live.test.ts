import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type AppUnderTest, runAdminCli, signUpAndOnboard, startApp } from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf } from './browser.ts';

describe.skipIf(!hasChromium)('the inbox, live', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    page = await app.context.newPage();
    await signUpAndOnboard(page, { email: 'grace@example.com', username: 'grace', name: 'Grace Hopper' });
  });
  afterAll(() => app?.close());

  it('counts an admin broadcast sent from the CLI as unread, without a reload', async () => {
    onTestFailed(() => screenshotPages([page], 'live-broadcast'));
    const unread = textOf(page.getByTestId('unread-count'));
    await expect.poll(unread, POLL).toBe('0');
    // The page must not reload: a marker on window would be gone after one.
    await page.evaluate(() => {
      (window as { __sameDocument?: boolean }).__sameDocument = true;
    });

    const sent = await runAdminCli(app, [
      'messages',
      'send',
      '--everyone',
      '--yes',
      '--content',
      'New challenges this week!',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    await expect.poll(unread, POLL).toBe('1');

    await page.getByRole('link', { name: /^Inbox/ }).click();
    const messages = page.getByRole('list', { name: 'Messages' });
    await expect.poll(textOf(messages), POLL).toContain('New challenges this week!');

    // A second one lands in the open inbox too.
    const direct = await runAdminCli(app, [
      'messages',
      'send',
      '--user',
      'grace',
      '--content',
      'Welcome, Grace',
    ]);
    expect(direct.code, direct.stderr).toBe(0);
    await expect.poll(unread, POLL).toBe('2');
    await expect.poll(textOf(messages), POLL).toContain('Welcome, Grace');
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    await page.getByRole('button', { name: 'Mark all as read' }).click();
    await expect.poll(unread, POLL).toBe('0');
  });
});
