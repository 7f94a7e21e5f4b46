import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  anotherBrowser,
  type AppUnderTest,
  REVERSE,
  signUpAndOnboard,
  startApp,
  typeSolution,
} from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf } from './browser.ts';

type Marked = { __sameDocument?: boolean };
/** A marker on window: gone after a reload, so a test can require that none happened. */
const markDocument = (page: Page) =>
  page.evaluate(() => {
    (window as Marked).__sameDocument = true;
  });
const isSameDocument = (page: Page) => page.evaluate(() => (window as Marked).__sameDocument === true);

describe.skipIf(!hasChromium)(
  'live boards: the leaderboard and a league follow others without a reload',
  () => {
    let app: AppUnderTest;
    /** Ada, the league's owner, in two tabs: the league, and the global board. */
    let owner: Page;
    let ownerGlobal: Page;
    let friend: Page;
    let friendContext: BrowserContext;
    const rowsOf = (page: Page, table: string) =>
      page.getByRole('table', { name: table }).locator('tbody tr').allInnerTexts();
    const leagueRows = (page: Page) => rowsOf(page, 'League Friday Coders: All time');
    const leagueList = (page: Page) => rowsOf(page, 'Your leagues');

    beforeAll(async () => {
      app = await startApp();
      owner = await app.context.newPage();
      ({ context: friendContext, page: friend } = await anotherBrowser(app));
      await signUpAndOnboard(owner, { email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace' });
      await signUpAndOnboard(friend, { email: 'bob@example.com', username: 'bob', name: 'Bob Babbage' });
      await markDocument(friend);
    });
    afterAll(async () => {
      await friendContext?.close().catch(() => {});
      await app?.close();
    });

    const onFailure = (name: string) =>
      onTestFailed(() => screenshotPages([owner, ownerGlobal, friend].filter(Boolean), name));

    it("shows the owner a friend's join, the friend's points and the friend leaving, in two tabs", async () => {
      onFailure('live-boards-join');
      await owner.getByRole('link', { name: 'Leagues' }).click();
      await owner.getByLabel('League name').fill('Friday Coders');
      await owner.getByRole('button', { name: 'Create league' }).click();
      await expect
        .poll(() => leagueList(owner), POLL)
        .toEqual([expect.stringMatching(/^Friday Coders\s+1\s+Owner$/)]);
      const code = await textOf(owner.getByTestId('invite-code'))();
      // Nobody has points this month yet: the owner's month board is read now and held.
      await owner.getByRole('tab', { name: 'This month' }).click();
      await owner.getByText('Nobody has points here yet.').waitFor();
      await owner.getByRole('tab', { name: 'All time' }).click();
      await expect
        .poll(() => leagueRows(owner), POLL)
        .toEqual([expect.stringMatching(/^1\s+ada \(you\)\s+0\s*$/)]);
      await markDocument(owner);
      // A second tab of the owner's, on the global board: two tabs with the inbox and a board stream each.
      ownerGlobal = await app.context.newPage();
      await ownerGlobal.goto('/leaderboard');
      await expect
        .poll(textOf(ownerGlobal.getByRole('table', { name: 'Leaderboard: All time' })), POLL)
        .toContain('ada (you)');
      await markDocument(ownerGlobal);

      await friend.getByRole('link', { name: 'Leagues' }).click();
      await friend.getByLabel('Invite code').fill(code);
      await friend.getByRole('button', { name: 'Join league' }).click();
      await expect
        .poll(() => leagueList(owner), POLL)
        .toEqual([expect.stringMatching(/^Friday Coders\s+2\s+Owner$/)]);
      // A tie: both first, in the order of their ids.
      await expect
        .poll(async () => (await leagueRows(owner)).sort(), POLL)
        .toEqual([
          expect.stringMatching(/^1\s+ada \(you\)\s+0\s*$/),
          expect.stringMatching(/^1\s+bob\s+0\s+Remove$/),
        ]);

      await friend.getByRole('link', { name: 'Today' }).click();
      await friend.getByRole('heading', { name: REVERSE.title }).waitFor();
      await typeSolution(friend, REVERSE.solution);
      await friend.getByRole('button', { name: 'Submit' }).click();
      await friend.getByRole('status').filter({ hasText: '+10 points' }).waitFor();
      await expect
        .poll(() => leagueRows(owner), POLL)
        .toEqual([
          expect.stringMatching(/^1\s+bob\s+10\s+Remove$/),
          expect.stringMatching(/^2\s+ada \(you\)\s+0\s*$/),
        ]);
      await expect.poll(textOf(owner.getByTestId('my-rank')), POLL).toBe('You are #2 with 0 points.');
      await expect
        .poll(() => rowsOf(ownerGlobal, 'Leaderboard: All time'), POLL)
        .toContainEqual(expect.stringMatching(/^1\s+bob\s+10$/));
      // The month board held from before is read again when shown, not served from the cache.
      await owner.getByRole('tab', { name: 'This month' }).click();
      await expect
        .poll(() => rowsOf(owner, 'League Friday Coders: This month'), POLL)
        .toEqual([expect.stringMatching(/^1\s+bob\s+10\s+Remove$/)]);
      await owner.getByRole('tab', { name: 'All time' }).click();

      await friend.getByRole('link', { name: 'Leagues' }).click();
      await friend.getByRole('button', { name: 'Leave league' }).click();
      await friend.getByText('You are in no league yet').waitFor();
      await expect
        .poll(() => leagueList(owner), POLL)
        .toEqual([expect.stringMatching(/^Friday Coders\s+1\s+Owner$/)]);
      await expect
        .poll(() => leagueRows(owner), POLL)
        .toEqual([expect.stringMatching(/^1\s+ada \(you\)\s+0\s*$/)]);
      expect(await isSameDocument(owner)).toBe(true);
      expect(await isSameDocument(ownerGlobal)).toBe(true);
    });

    it('shows a member who is watching the league that the owner removed them', async () => {
      onFailure('live-boards-removed');
      const code = await textOf(owner.getByTestId('invite-code'))();
      await friend.getByLabel('Invite code').fill(code);
      await friend.getByRole('button', { name: 'Join league' }).click();
      await expect
        .poll(() => leagueList(friend), POLL)
        .toEqual([expect.stringMatching(/^Friday Coders\s+2\s+Member$/)]);
      await expect.poll(() => leagueRows(owner), POLL).toHaveLength(2);

      await owner.getByRole('button', { name: 'Remove bob' }).click();
      await friend.getByText('You are in no league yet').waitFor();
      await expect
        .poll(() => leagueList(owner), POLL)
        .toEqual([expect.stringMatching(/^Friday Coders\s+1\s+Owner$/)]);
      expect(await isSameDocument(friend)).toBe(true);
      expect(await isSameDocument(owner)).toBe(true);
    });
  },
);
