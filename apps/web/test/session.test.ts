import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  type AppUnderTest,
  REVERSE,
  runAdminCli,
  shiftableClock,
  signUpAndOnboard,
  startApp,
  typeSolution,
} from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf } from './browser.ts';

const ACCESS_TTL_SEC = 30;

/** Every call the pages made to /trpc, with its status, so a test can tell refreshes happened. */
function recordApiCalls(pages: Page[]) {
  const calls: { url: string; status: number }[] = [];
  for (const page of pages) {
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.startsWith('/trpc/'))
        calls.push({ url: res.url(), status: res.status() });
    });
  }
  return calls;
}

describe.skipIf(!hasChromium)('the session in the browser', () => {
  const clock = shiftableClock();
  let app: AppUnderTest;
  let tabA: Page;
  let tabB: Page;

  beforeAll(async () => {
    app = await startApp({ ACCESS_TOKEN_TTL_SEC: String(ACCESS_TTL_SEC) }, { clock });
    tabA = await app.context.newPage();
    await signUpAndOnboard(tabA, { email: 'alan@example.com', username: 'alan', name: 'Alan Turing' });
    tabB = await app.context.newPage();
    await tabB.goto('/history');
    await tabB.getByRole('heading', { name: 'Your progress' }).waitFor();
  });
  afterAll(() => app?.close());

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([tabA, tabB], name));
  const refreshes = (calls: { url: string }[]) => calls.filter((c) => c.url.includes('auth.refresh')).length;

  it('an expired access token is refreshed without the user noticing', async () => {
    onFailure('session-expiry');
    // Both tabs: refreshes take turns across tabs (Web Locks), so when tabB's live stream or a query of
    // its own meets the expired token first, tabB refreshes and tabA's next call finds the new cookie.
    const calls = recordApiCalls([tabA, tabB]);
    // The server's clock moves past the token's expiry: the browser still sends it, the server refuses it.
    clock.advance((ACCESS_TTL_SEC + 5) * 1000);
    await typeSolution(tabA, 'function reverseString(s) { return s; }');
    await tabA.getByRole('button', { name: 'Run' }).click();
    const run = tabA.getByRole('region', { name: 'Run result' });
    await expect.poll(textOf(run), POLL).toContain('Wrong answer');
    expect(refreshes(calls)).toBeGreaterThanOrEqual(1);
    expect(await tabA.getByRole('alert').count()).toBe(0);

    // The browser dropping the access cookie at its Max-Age is the other way a token ends.
    await app.context.clearCookies({ name: 'sb_at' });
    await tabA.getByRole('link', { name: 'Leaderboard' }).click();
    await expect.poll(textOf(tabA.getByTestId('my-rank')), POLL).toMatch(/^You are #\d+ with 0 points\.$/);
    expect(await tabA.getByRole('alert').count()).toBe(0);
  });

  it('two tabs whose token expired refresh at once: both keep working and the session survives', async () => {
    onFailure('session-two-tabs');
    await tabA.getByRole('link', { name: 'Today' }).click();
    await tabA.getByRole('heading', { name: REVERSE.title }).waitFor();
    await tabB.getByRole('link', { name: 'Leaderboard' }).click();
    await tabB.getByTestId('my-rank').waitFor();
    const calls = recordApiCalls([tabA, tabB]);
    clock.advance((ACCESS_TTL_SEC + 5) * 1000);
    // Both tabs call the API at the same moment with the same expired token.
    await Promise.all([
      tabA.getByRole('button', { name: 'Run' }).click(),
      tabB.getByRole('tab', { name: 'This week' }).click(),
    ]);
    await expect
      .poll(textOf(tabA.getByRole('region', { name: 'Run result' })), POLL)
      .toContain('Wrong answer');
    await expect.poll(textOf(tabB.getByTestId('my-rank')), POLL).toBe('You have no points this week.');
    expect(refreshes(calls)).toBeGreaterThanOrEqual(1);

    // Still one live session afterwards: both tabs go on working, and a reload keeps it.
    await tabB.getByRole('link', { name: 'Devices' }).click();
    await expect
      .poll(() => tabB.getByRole('table', { name: 'Devices' }).locator('tbody tr').count(), POLL)
      .toBe(1);
    await tabA.reload();
    await tabA.getByRole('heading', { name: REVERSE.title }).waitFor();
    const session = await app.context.request.get('/trpc/auth.session');
    const body = (await session.json()) as { result: { data: { json: { username: string } | null } } };
    expect(body.result.data.json?.username).toBe('alan');
  });

  it('keeps working through a server restart on the same database and port, live updates included', async () => {
    onFailure('session-restart');
    await tabB.getByRole('link', { name: 'History' }).click();
    await tabB.getByRole('heading', { name: 'Your progress' }).waitFor();
    await app.restartServer();

    await typeSolution(tabA, "function reverseString(s) { return [...s].reverse().join(''); }");
    await tabA.getByRole('button', { name: 'Submit' }).click();
    await expect
      .poll(textOf(tabA.getByRole('region', { name: 'Submission result' })), POLL)
      .toContain('Accepted');
    await tabB.reload();
    await expect.poll(textOf(tabB.getByTestId('points')), POLL).toBe(String(REVERSE.points));

    // The inbox stream reconnected to the new process.
    const sent = await runAdminCli(app, [
      'messages',
      'send',
      '--everyone',
      '--yes',
      '--content',
      'Back after a deploy',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    // Two unread: the first-solve achievement's message (#15) and this broadcast.
    await expect.poll(textOf(tabA.getByTestId('unread-count')), POLL).toBe('2');
  });

  it('signing out in one tab ends the session in the other one too', async () => {
    onFailure('session-logout');
    await tabA.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await tabA.getByRole('heading', { name: 'Sign in' }).waitFor();
    await tabB.getByRole('heading', { name: 'Sign in' }).waitFor();
    await tabB.reload();
    await tabB.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
