import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Locally, no Chromium means the browser tests are skipped (with a note); in CI (`CI=true`) it is a
 * failure: CI installs Debian's `chromium` and must not pass without having run them.
 */
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  const message = `No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`${message} Skipping the browser tests.`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const resultsDir = fileURLToPath(new URL('../test-results/', import.meta.url));

/** Saves a full-page screenshot of each page under apps/web/test-results/ (gitignored). */
export async function screenshotPages(pages: Page[], name: string) {
  mkdirSync(resultsDir, { recursive: true });
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120);
  await Promise.all(
    pages.map((page, i) =>
      page
        .screenshot({
          path: path.join(resultsDir, `${safe}${pages.length > 1 ? `-${i + 1}` : ''}.png`),
          fullPage: true,
        })
        .catch(() => {}),
    ),
  );
}

/** Collects Content-Security-Policy violations a page reports, so a test can require there are none. */
export async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction('__reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCspViolation(t: string): void }).__reportCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`,
      );
    });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  return violations;
}

/** How long a test waits for the page to show something: generous, for a busy 2-core machine. */
export const POLL = { timeout: 45_000, interval: 250 };

/** The text a locator shows, as a function for `expect.poll`. */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (rendered text), not the DOM property.
export const textOf = (locator: Locator) => () => locator.innerText();
