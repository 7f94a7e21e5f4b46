import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trpcPost } from '@skillbytes/server/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type AppUnderTest, REVERSE, signUpAndOnboard, startApp, typeSolution } from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf, watchCsp } from './browser.ts';

describe.skipIf(!hasChromium)('the web app, from sign-up to sign-out', () => {
  let app: AppUnderTest;
  let page: Page;
  let cspViolations: string[];

  beforeAll(async () => {
    app = await startApp();
    page = await app.context.newPage();
    cspViolations = await watchCsp(page);
    // A rival who solved today's challenge first: the leaderboard has someone to rank against.
    const rival = await trpcPost(app.server.url, 'auth.signup', {
      email: 'rival@example.com',
      username: 'rival',
      password: 'a-long-rival-password-9',
      tokenDelivery: 'body',
    });
    const { accessToken: token } = rival.body.result!.data.json as { accessToken: string };
    const bearer = { authorization: `Bearer ${token}` };
    const daily = await fetch(`${app.server.url}/trpc/challenges.daily`, { headers: bearer });
    const challengeId = (
      (await daily.json()) as { result: { data: { json: { challenge: { id: string } } } } }
    ).result.data.json.challenge.id;
    await trpcPost(app.server.url, 'challenges.submit', { challengeId, code: REVERSE.solution }, bearer);
  });
  afterAll(() => app?.close());

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([page], name));

  it("signs up, onboards and lands on the sanitised statement of today's challenge", async () => {
    onFailure('journey-signup');
    await signUpAndOnboard(page, { email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace' });
    const statement = page.locator('.statement');
    await expect.poll(textOf(statement), POLL).toContain('returns it reversed');
    expect(await statement.locator('style, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: boolean }).__pwned)).toBeUndefined();
    await expect.poll(textOf(page.locator('.tests')), POLL).toContain('reverseString("hello") → "olleh"');
  });

  it('runs and submits a wrong solution: the verdict shows the first failing visible test', async () => {
    onFailure('journey-run');
    await typeSolution(page, 'function reverseString(s) { return s; }');
    await page.getByRole('button', { name: 'Run' }).click();
    const run = page.getByRole('region', { name: 'Run result' });
    await expect.poll(textOf(run), POLL).toContain('Wrong answer');
    const text = await textOf(run)();
    expect(text).toContain('Visible tests: 1 / 3 passed');
    expect(text).toContain('"olleh"');
    await page.getByRole('button', { name: 'Submit' }).click();
    const verdict = page.getByRole('region', { name: 'Submission result' });
    await expect.poll(textOf(verdict), POLL).toContain('Verdict: Wrong answer');
  });

  it('submits a right solution: accepted, points and a one-day streak', async () => {
    onFailure('journey-submit');
    await typeSolution(page, "function reverseString(s) { return [...s].reverse().join(''); }");
    await page.getByRole('button', { name: 'Submit' }).click();
    const result = page.getByRole('region', { name: 'Submission result' });
    await expect.poll(textOf(result), POLL).toContain('Accepted');
    await expect.poll(textOf(page.getByRole('status')), POLL).toContain('+10 points · streak 1 day');
    await expect.poll(textOf(page.getByTestId('streak')), POLL).toContain('1');
    await expect.poll(textOf(page.locator('header.top')), POLL).toContain('10 pts');
    if (process.env.UPDATE_README_SCREENSHOT) {
      const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
      mkdirSync(docs, { recursive: true });
      await page.screenshot({ path: `${docs}web-app.png` });
    }
  });

  it('shows the submission history and the streak', async () => {
    onFailure('journey-history');
    await page.getByRole('link', { name: 'History' }).click();
    const table = page.getByRole('table', { name: 'Submissions' });
    await expect.poll(() => table.locator('tbody tr').count(), POLL).toBe(2);
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows[0]).toContain('Accepted');
    expect(rows[0]).toContain(REVERSE.title);
    expect(rows[1]).toContain('Wrong answer');
    expect(await textOf(page.getByTestId('current-streak'))()).toBe('1 day');
    expect(await textOf(page.getByTestId('points'))()).toBe('10');
  });

  it('ranks the user on the all-time and weekly boards, with "me"', async () => {
    onFailure('journey-leaderboard');
    await page.getByRole('link', { name: 'Leaderboard' }).click();
    const board = page.getByRole('table', { name: /^Leaderboard/ });
    // ada and the rival share first place (equal points, equal rank); the admin has none.
    await expect.poll(() => board.locator('tbody tr').count(), POLL).toBe(3);
    await expect.poll(textOf(board.locator('tr.mine')), POLL).toContain('ada (you)');
    await expect.poll(textOf(page.getByTestId('my-rank')), POLL).toBe('You are #1 with 10 points.');
    expect(await board.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['1', '1', '3']);
    await page.getByRole('tab', { name: 'This week' }).click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Leaderboard: This week' }).count(), POLL)
      .toBe(1);
    await expect.poll(textOf(page.getByTestId('my-rank')), POLL).toBe('You are #1 with 10 points.');
  });

  it('keeps the session across a reload, on the same page', async () => {
    onFailure('journey-reload');
    await page.reload();
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    await expect.poll(textOf(page.locator('header.top')), POLL).toContain('ada');
    await page.getByRole('link', { name: 'Devices' }).click();
    await expect.poll(textOf(page.getByRole('table', { name: 'Devices' })), POLL).toContain('(this device)');
  });

  it('signs out: the app shows sign-in, and a reload does not bring the session back', async () => {
    onFailure('journey-logout');
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const session = await app.context.request.get('/trpc/auth.session');
    expect(((await session.json()) as { result: { data: { json: unknown } } }).result.data.json).toBeNull();
  });

  it('broke no rule of the Content Security Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
