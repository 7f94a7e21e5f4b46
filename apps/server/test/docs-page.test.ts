import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { type OpenApiDocument, operationsOf } from './openapi-client.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** As in apps/web's browser tests: locally, no Chromium skips the browser check; in CI it fails. */
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true') throw new Error(`No Chromium at ${CHROMIUM} in CI`);

let server: TestServer;
let webDist: string;

beforeAll(async () => {
  // A built web app is served too: its fallback page must not answer the API's paths.
  webDist = mkdtempSync(path.join(tmpdir(), 'sb-docs-web-'));
  writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><title>web app</title>');
  server = await startTestServer({ WEB_DIST: webDist });
});
afterAll(async () => {
  await server?.close();
  rmSync(webDist, { recursive: true, force: true });
});

async function docsPage() {
  const res = await fetch(`${server.url}/docs`);
  const html = await res.text();
  const scripts = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]!);
  const nonce = /<meta property="csp-nonce" nonce="([^"]+)">/.exec(html)?.[1];
  return { res, html, scripts, nonce };
}

describe('GET /docs over HTTP', () => {
  it('is an HTML page with a policy of its own: a fresh nonce for styles, scripts from this origin only', async () => {
    const first = await docsPage();
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(first.res.headers.get('cache-control')).toBe('no-store');
    const csp = first.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`style-src 'self' 'nonce-${first.nonce}'`);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect((await docsPage()).nonce).not.toBe(first.nonce);
  });

  it('serves the scripts it names (Redoc from node_modules, versioned and cached for good)', async () => {
    const { scripts } = await docsPage();
    expect(scripts).toEqual([
      expect.stringMatching(/^\/docs\/redoc-[0-9a-f]{16}\.standalone\.js$/),
      '/docs/start-redoc.js',
    ]);
    for (const src of scripts) {
      const res = await fetch(`${server.url}${src}`);
      expect(res.status, src).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    const redoc = await fetch(`${server.url}${scripts[0]}`, { method: 'HEAD' });
    expect(redoc.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(redoc.headers.get('content-length'))).toBeGreaterThan(500_000);
  });

  it('an unknown file under /docs, or /api, is a JSON 404 even with the web app served', async () => {
    for (const p of ['/docs/nope.js', '/api/nope']) {
      const res = await fetch(`${server.url}${p}`);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type'), p).toMatch(/^application\/json/);
    }
    const app = await fetch(`${server.url}/some/app/route`);
    expect(await app.text()).toContain('web app');
  });
});

describe.skipIf(!hasChromium)('GET /docs in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  });
  afterAll(() => browser?.close());

  it('renders every operation and searches them, offline, with no CSP violation but the refused CDN logo', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    const elsewhere: string[] = [];
    await page.exposeFunction('__cspViolation', (text: string) => violations.push(text));
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) =>
        window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI));`,
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Offline: anything not from this server fails, as it would without a network.
    await page.route(
      (url) => !url.href.startsWith(server.url),
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort('internetdisconnected');
      },
    );

    await page.goto(`${server.url}/docs`);
    const heading = page.locator('h2', { hasText: 'Submit a solution' });
    await heading.waitFor({ timeout: 60_000 });
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    const summaries = operationsOf(doc).map((o) => o.operation.summary);
    expect(summaries.length).toBeGreaterThan(20);
    const headings = await page.locator('h2').allInnerTexts();
    for (const summary of summaries) expect(headings, summary).toContain(summary);
    await expect(page.getByText('/api/challenges/submit').count()).resolves.toBeGreaterThan(0);

    await page.getByPlaceholder('Search...').fill('refresh');
    await page
      .locator('[role="search"] li', { hasText: 'Rotate the refresh token' })
      .first()
      .waitFor({ timeout: 30_000 });

    const results = fileURLToPath(new URL('../test-results/', import.meta.url));
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: path.join(results, 'docs-page.png') });

    expect(errors).toEqual([]);
    // Redoc's bundle puts its logo on the page from a CDN; the policy refuses it (img-src), nothing else.
    expect(violations.filter((v) => !/^img-src https:\/\/cdn\.redoc\.ly\//.test(v))).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
