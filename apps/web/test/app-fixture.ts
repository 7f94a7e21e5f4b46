import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer, trpcPost } from '@skillbytes/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inject } from 'vitest';
import { launchBrowser } from './browser.ts';

const ADMIN = { email: 'web-admin@example.com', password: 'web-admin-password-1' };
export const PASSWORD = 'a-long-web-password-7';

/** Today's challenge in every browser test: the only published one, so the daily pick is known. */
export const REVERSE = {
  title: 'String Reversal',
  summary: 'Reverse a string',
  description:
    '<style>pre { background: #1a1a1a; }</style><p>Write a function which takes a string and returns it reversed.</p><pre>Input: "hello"\nOutput: "olleh"</pre><script>window.__pwned = true</script>',
  difficulty: 'beginner',
  tags: ['strings'],
  points: 10,
  functionName: 'reverseString',
  starterCode: 'function reverseString(str) {\n  \n}\n',
  tests: [
    { input: ['hello'], expectedOutput: 'olleh' },
    { input: ['12345'], expectedOutput: '54321' },
    { input: [''], expectedOutput: '' },
  ],
  hiddenTests: [{ input: ['racecar!'], expectedOutput: '!racecar' }],
  solution: "function reverseString(str) { return [...str].reverse().join(''); }",
} as const;

/** A clock the test can move forward: the server judges token expiry by it. */
export function shiftableClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}

export type AppUnderTest = {
  server: TestServer;
  browser: Browser;
  context: BrowserContext;
  apiKey: string;
  /** Stops the server and starts it again on the same database and port. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The real server serving the built app (WEB_DIST from the global setup), with an admin, an admin
 * API key and one published challenge, and a fresh Chromium context pointed at it.
 */
export async function startApp(
  env: Record<string, string> = {},
  opts: { clock?: { now(): Date } } = {},
): Promise<AppUnderTest> {
  let server = await startTestServer(
    {
      WEB_DIST: inject('webDist'),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SEED_STARTER_POOL: 'false',
      JUDGE_SUBMIT_QUANTUM_MS: '0',
      ...env,
    },
    opts.clock ? { clock: opts.clock } : {},
  );
  const login = await trpcPost(server.url, 'auth.login', {
    identifier: ADMIN.email,
    password: ADMIN.password,
    tokenDelivery: 'body',
  });
  const accessToken = resultOf<{ accessToken: string }>(login.body).accessToken;
  const bearer = { authorization: `Bearer ${accessToken}` };
  const key = await trpcPost(server.url, 'admin.apiKeys.create', { name: 'web tests' }, bearer);
  const apiKey = resultOf<{ key: string }>(key.body).key;
  resultOf(
    (await trpcPost(server.url, 'challenges.create', { challenge: REVERSE, publish: true }, bearer)).body,
  );

  const browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(30_000);
  return {
    get server() {
      return server;
    },
    browser,
    context,
    apiKey,
    async restartServer() {
      server = await server.restart();
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/** Another person's browser on the app: a context of its own (its own cookies) and a page in it. */
export async function anotherBrowser(app: AppUnderTest) {
  const context = await app.browser.newContext({ baseURL: app.server.url });
  context.setDefaultTimeout(30_000);
  return { context, page: await context.newPage() };
}

/** A tRPC answer's data, or the test fails with the error it carried. */
export function resultOf<T = unknown>(body: { result?: { data: { json: unknown } }; error?: unknown }): T {
  if (!body.result) throw new Error(`call failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json as T;
}

const adminCli = fileURLToPath(new URL('../../admin-cli/bin/skillbytes-admin.js', import.meta.url));

/** Runs `skillbytes-admin` as a subprocess against the server, with the admin API key. */
export function runAdminCli(app: AppUnderTest, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [adminCli, '--url', app.server.url, '--api-key', app.apiKey, ...args],
      {
        env: {
          ...process.env,
          SKILLBYTES_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'sb-web-cli-')),
          SKILLBYTES_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Signs up through the form and completes onboarding; ends on today's challenge. */
export async function signUpAndOnboard(page: Page, who: { email: string; username: string; name: string }) {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Welcome to Skill Bytes' }).waitFor();
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel(/^Username/).fill(who.username);
  await page.getByLabel(/^Time zone/).fill('Europe/Paris');
  await page.getByRole('button', { name: 'Save and start' }).click();
  await page.getByRole('heading', { name: REVERSE.title }).waitFor();
}

/** Replaces the editor's text (CodeMirror is a contenteditable, not an input). */
export async function typeSolution(page: Page, code: string) {
  const editor = page.locator('.cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await editor.fill(code);
}
