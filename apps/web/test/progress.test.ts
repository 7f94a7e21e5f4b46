import { trpcGet, trpcPost } from '@skillbytes/server/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  anotherBrowser,
  type AppUnderTest,
  REVERSE,
  shiftableClock,
  signUpAndOnboard,
  startApp,
  typeSolution,
} from './app-fixture.ts';
import { hasChromium, POLL, screenshotPages, textOf } from './browser.ts';

const DAY_MS = 86_400_000;
const GRACE = { email: 'grace@example.com', username: 'grace', password: 'a-long-grace-password-3' };

function dataOf<T>(body: { result?: { data: { json: unknown } }; error?: unknown }): T {
  if (!body.result) throw new Error(`call failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json as T;
}

/** A fresh access token for Grace at the server's current (shifted) time. */
async function signIn(app: AppUnderTest) {
  const { body } = await trpcPost(app.server.url, 'auth.login', {
    identifier: GRACE.email,
    password: GRACE.password,
    tokenDelivery: 'body',
  });
  return { authorization: `Bearer ${dataOf<{ accessToken: string }>(body).accessToken}` };
}

/** Solves the day's challenge through the API: every published challenge takes REVERSE's solution. */
async function solveToday(app: AppUnderTest) {
  const bearer = await signIn(app);
  const daily = dataOf<{ challenge: { id: string } }>(
    (await trpcGet(app.server.url, 'challenges.daily', undefined, bearer)).body,
  );
  const submit = await trpcPost(
    app.server.url,
    'challenges.submit',
    { challengeId: daily.challenge.id, code: REVERSE.solution },
    bearer,
  );
  expect(dataOf<{ verdict: { status: string } }>(submit.body).verdict.status).toBe('accepted');
}

describe.skipIf(!hasChromium)('progress: the activity calendar and streak freezes', () => {
  const clock = shiftableClock();
  let app: AppUnderTest;
  let page: Page;
  const calendar = () => page.getByRole('list', { name: 'Activity calendar' });
  const daysIn = (state: string) => calendar().locator(`li[data-state="${state}"]`);
  const today = () => calendar().locator('li').last();

  beforeAll(async () => {
    app = await startApp({}, { clock });
    // Eight challenges in all, so each of the eight days solved has a new one to assign.
    const admin = { authorization: `Bearer ${app.apiKey}` };
    for (let n = 2; n <= 8; n++) {
      const challenge = { ...REVERSE, title: `String Reversal ${n}`, summary: `Reverse a string, take ${n}` };
      dataOf((await trpcPost(app.server.url, 'challenges.create', { challenge, publish: true }, admin)).body);
    }
    dataOf(
      (
        await trpcPost(app.server.url, 'auth.signup', {
          email: GRACE.email,
          username: GRACE.username,
          password: GRACE.password,
          tokenDelivery: 'body',
        })
      ).body,
    );
    dataOf(
      (await trpcPost(app.server.url, 'auth.updateProfile', { name: 'Grace Hopper' }, await signIn(app)))
        .body,
    );
    // Six days solved in a row; the seventh is solved in the browser below.
    for (let day = 0; day < 6; day++) {
      await solveToday(app);
      clock.advance(DAY_MS);
    }
    page = await app.context.newPage();
  });
  afterAll(() => app?.close());

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([page], name));

  it('shows six solved days, today still open, and no freeze yet', async () => {
    onFailure('progress-before');
    await page.goto('/signin');
    await page.getByLabel('Email').fill(GRACE.email);
    await page.getByLabel('Password').fill(GRACE.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Submit' }).waitFor();
    await page.getByRole('link', { name: 'History' }).click();
    await expect.poll(() => daysIn('solved').count(), POLL).toBe(6);
    expect(await calendar().locator('li').count()).toBe(365);
    expect(await today().getAttribute('data-state')).toBe('open');
    expect(await today().getAttribute('aria-label')).toMatch(/: assigned, not solved yet$/);
    expect(await textOf(page.getByTestId('freezes'))()).toBe('0 of 2');
    expect(await textOf(page.getByTestId('current-streak'))()).toBe('6 days');
  });

  it('a submit in the browser marks today solved, with its date, and earns a freeze at 7 days', async () => {
    onFailure('progress-submit');
    const date = await today().getAttribute('data-date');
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.getByRole('link', { name: 'Today' }).click();
    await typeSolution(page, "function reverseString(s) { return [...s].reverse().join(''); }");
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(textOf(page.getByRole('status')), POLL).toContain('streak 7 days');
    await page.getByRole('link', { name: 'History' }).click();
    await expect.poll(() => daysIn('solved').count(), POLL).toBe(7);
    expect(await today().getAttribute('data-state')).toBe('solved');
    // The accessible name carries the date (formatted, in no zone that could shift it) and the state.
    const label = await today().getAttribute('aria-label');
    const year = (date as string).slice(0, 4);
    expect(label).toMatch(new RegExp(`${year}.*: solved$`));
    expect(await today().getAttribute('title')).toBe(label);
    expect(await textOf(page.getByTestId('freezes'))()).toBe('1 of 2');
    expect(await textOf(page.getByTestId('calendar-summary'))()).toContain('7 days solved, 0 days frozen');
  });

  it('a missed day is spent from the freezes and shown frozen; the streak goes on', async () => {
    onFailure('progress-frozen');
    clock.advance(2 * DAY_MS);
    await solveToday(app);
    await page.reload();
    await page.getByRole('heading', { name: 'Your progress' }).waitFor();
    await expect.poll(() => daysIn('frozen').count(), POLL).toBe(1);
    expect(await daysIn('solved').count()).toBe(8);
    expect(await today().getAttribute('data-state')).toBe('solved');
    const frozen = daysIn('frozen').first();
    expect(await frozen.getAttribute('aria-label')).toMatch(/: covered by a streak freeze$/);
    expect(await textOf(page.getByTestId('freezes'))()).toBe('0 of 2');
    expect(await textOf(page.getByTestId('current-streak'))()).toBe('8 days');
  });
});

describe.skipIf(!hasChromium)('leagues: created by one user, joined by another, ranked together', () => {
  let app: AppUnderTest;
  let owner: Page;
  let friend: Page;
  let friendContext: BrowserContext;
  const leagueBoard = (page: Page) => page.getByRole('table', { name: /^League Friday Coders: / });
  const leagues = (page: Page) => page.getByRole('table', { name: 'Your leagues' });

  beforeAll(async () => {
    app = await startApp();
    owner = await app.context.newPage();
    ({ context: friendContext, page: friend } = await anotherBrowser(app));
    await signUpAndOnboard(owner, { email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace' });
    await typeSolution(owner, REVERSE.solution);
    await owner.getByRole('button', { name: 'Submit' }).click();
    await owner.getByRole('status').filter({ hasText: '+10 points' }).waitFor();
    await signUpAndOnboard(friend, { email: 'bob@example.com', username: 'bob', name: 'Bob Babbage' });
  });
  afterAll(async () => {
    await friendContext?.close().catch(() => {});
    await app?.close();
  });

  const onFailure = (name: string) => onTestFailed(() => screenshotPages([owner, friend], name));

  it('the owner creates a league and sees its invite code, role and board', async () => {
    onFailure('leagues-create');
    await owner.getByRole('link', { name: 'Leagues' }).click();
    await owner.getByText('You are in no league yet').waitFor();
    await owner.getByLabel('League name').fill('  Friday Coders ');
    await owner.getByRole('button', { name: 'Create league' }).click();
    await expect
      .poll(() => leagues(owner).locator('tbody tr').allInnerTexts(), POLL)
      .toEqual([expect.stringMatching(/^Friday Coders\s+1\s+Owner$/)]);
    expect(await textOf(owner.getByTestId('invite-code'))()).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect.poll(textOf(leagueBoard(owner)), POLL).toContain('ada (you)');
  });

  it('a friend joins by the code: both are on its board, in every period', async () => {
    onFailure('leagues-join');
    const code = await textOf(owner.getByTestId('invite-code'))();
    await friend.getByRole('link', { name: 'Leagues' }).click();
    await friend.getByLabel('Invite code').fill('not-a-code');
    await friend.getByRole('button', { name: 'Join league' }).click();
    await expect.poll(textOf(friend.getByRole('alert')), POLL).toContain('not valid');
    await friend.getByLabel('Invite code').fill(code);
    await friend.getByRole('button', { name: 'Join league' }).click();
    await expect
      .poll(() => leagues(friend).locator('tbody tr').allInnerTexts(), POLL)
      .toEqual([expect.stringMatching(/^Friday Coders\s+2\s+Member$/)]);
    await expect
      .poll(() => leagueBoard(friend).locator('tbody tr').allInnerTexts(), POLL)
      .toEqual([expect.stringMatching(/^1\s+ada\s+10$/), expect.stringMatching(/^2\s+bob \(you\)\s+0$/)]);
    expect(await textOf(friend.getByTestId('my-rank'))()).toBe('You are #2 with 0 points.');
    expect(await friend.getByTestId('invite-code').count()).toBe(0);
    expect(await friend.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    // This week and this month rank those with points in them: ada alone.
    for (const period of ['This week', 'This month']) {
      await friend.getByRole('tab', { name: period }).click();
      await expect
        .poll(textOf(friend.getByRole('table', { name: `League Friday Coders: ${period}` })), POLL)
        .toMatch(/1\s+ada\s+10/);
    }
  });

  it('the owner rotates the invite and removes the friend, who no longer sees the league', async () => {
    onFailure('leagues-owner');
    await owner.reload();
    await expect.poll(textOf(leagueBoard(owner)), POLL).toContain('bob');
    const oldCode = await textOf(owner.getByTestId('invite-code'))();
    await owner.getByRole('button', { name: 'New invite code' }).click();
    await expect.poll(textOf(owner.getByTestId('invite-code')), POLL).not.toBe(oldCode);
    await owner.getByRole('button', { name: 'Remove bob' }).click();
    await expect.poll(() => leagueBoard(owner).locator('tbody tr').count(), POLL).toBe(1);
    await expect.poll(textOf(leagues(owner).locator('tbody tr')), POLL).toMatch(/\s1\s+Owner$/);
    await friend.reload();
    await friend.getByText('You are in no league yet').waitFor();
  });
});

describe.skipIf(!hasChromium)('solutions: shown once the user has solved the challenge', () => {
  let app: AppUnderTest;
  let page: Page;
  // Six rivals: one more than a page of solutions.
  const rivals = Array.from({ length: 6 }, (_, i) => `rival${i + 1}`);
  const codeOf = (rival: string) =>
    `function reverseString(s) { return s.split('').reverse().join(''); } // ${rival}`;

  /** A rival signs up and solves today's challenge through the API, with code that names them. */
  async function rivalSolves(rival: string) {
    const signup = await trpcPost(app.server.url, 'auth.signup', {
      email: `${rival}@example.com`,
      username: rival,
      password: 'a-long-rival-password-9',
      tokenDelivery: 'body',
    });
    const bearer = { authorization: `Bearer ${dataOf<{ accessToken: string }>(signup.body).accessToken}` };
    const daily = dataOf<{ challenge: { id: string } }>(
      (await trpcGet(app.server.url, 'challenges.daily', undefined, bearer)).body,
    );
    const input = { challengeId: daily.challenge.id, code: codeOf(rival) };
    dataOf((await trpcPost(app.server.url, 'challenges.submit', input, bearer)).body);
  }

  beforeAll(async () => {
    app = await startApp();
    for (const rival of rivals) await rivalSolves(rival);
    page = await app.context.newPage();
  });
  afterAll(() => app?.close());

  it("hides others' solutions before solving, then shows them newest first, a page at a time", async () => {
    onTestFailed(() => screenshotPages([page], 'solutions'));
    await signUpAndOnboard(page, { email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace' });
    expect(await page.getByRole('heading', { name: 'Other solutions' }).count()).toBe(0);
    await typeSolution(page, REVERSE.solution);
    await page.getByRole('button', { name: 'Submit' }).click();
    const section = page.getByRole('region', { name: 'Other solutions' });
    const captions = section.locator('figcaption');
    await expect.poll(() => captions.count(), POLL).toBe(5);
    const newestFirst = [...rivals].reverse();
    expect(await textOf(section.locator('li').first())()).toContain(codeOf(newestFirst[0] as string));
    expect(await textOf(captions.first())()).toMatch(/^rival6 · JavaScript · solved /);
    await section.getByRole('button', { name: 'More solutions' }).click();
    await expect.poll(() => captions.count(), POLL).toBe(6);
    const names = (await captions.allInnerTexts()).map((c) => c.split(' · ')[0]);
    expect(names).toEqual(newestFirst);
    expect(await section.getByRole('button', { name: 'More solutions' }).count()).toBe(0);
    // Not the caller's own.
    expect(await textOf(section)()).not.toContain(REVERSE.solution);
  });
});
