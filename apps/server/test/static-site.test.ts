import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP_NONCE_PLACEHOLDER } from '../src/http/static-site.ts';
import { startTestServer, type TestServer, trpcGet } from './harness.ts';

const INDEX = `<!doctype html><title>Skill Bytes</title><meta property="csp-nonce" nonce="${CSP_NONCE_PLACEHOLDER}"><div id="root"></div>`;
const NONCE = /nonce="([A-Za-z0-9+/=]{24})"/;
const SCRIPT = 'console.log("app");';
const SECRET = 'top secret: not part of the app';

let server: TestServer;
let site: string;

beforeAll(async () => {
  // site/dist is the app; site/secret.txt sits beside it and must never be served.
  site = mkdtempSync(path.join(tmpdir(), 'sb-site-'));
  const dist = path.join(site, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), INDEX);
  writeFileSync(path.join(dist, 'assets', 'index-B1a2C3d4.js'), SCRIPT);
  writeFileSync(path.join(dist, 'assets', 'index-D5e6F7g8.css'), 'body{margin:0}');
  writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dist, '.env'), SECRET);
  writeFileSync(path.join(site, 'secret.txt'), SECRET);
  symlinkSync(path.join(site, 'secret.txt'), path.join(dist, 'leak.txt'));
  server = await startTestServer({ WEB_DIST: dist });
});
afterAll(async () => {
  await server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

/** A request with the path sent exactly as written (fetch would normalise `..` away). */
function raw(method: string, rawPath: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(`${server.url}/`, { method, path: rawPath, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the web app at /', () => {
  it('serves index.html at / with no-cache, the app CSP and nosniff', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    const nonce = html.match(NONCE)?.[1];
    expect(nonce, html).toBeTruthy();
    const csp = res.headers.get('content-security-policy');
    for (const directive of [
      "default-src 'self'",
      "script-src 'self';",
      `style-src 'self' 'nonce-${nonce}';`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe');
    expect(html).toBe(INDEX.replace(CSP_NONCE_PLACEHOLDER, nonce!));
  });

  it('gives every index.html response a nonce of its own', async () => {
    const nonces = new Set<string>();
    for (const route of ['/', '/', '/leaderboard']) {
      const res = await fetch(`${server.url}${route}`);
      const nonce = (await res.text()).match(NONCE)?.[1];
      expect(res.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
      expect(res.headers.get('etag')).toBeNull();
      nonces.add(nonce!);
    }
    expect(nonces.size).toBe(3);
  });

  it('serves hashed assets as immutable for a year, with their content type', async () => {
    const js = await fetch(`${server.url}/assets/index-B1a2C3d4.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe(SCRIPT);
    const css = await fetch(`${server.url}/assets/index-D5e6F7g8.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers HEAD with the headers and no body', async () => {
    const asset = await raw('HEAD', '/assets/index-B1a2C3d4.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-length']).toBe(String(SCRIPT.length));
    expect(asset.body).toBe('');
    const page = await raw('HEAD', '/leaderboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe('');
  });

  it('answers a matching If-None-Match for a file with 304', async () => {
    const first = await fetch(`${server.url}/favicon.svg`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${server.url}/favicon.svg`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('falls back to index.html for app routes', async () => {
    for (const route of ['/leaderboard', '/inbox/some-message', '/challenge/today?tab=history']) {
      const res = await fetch(`${server.url}${route}`);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toMatch(/^<!doctype html><title>Skill Bytes<\/title>/);
    }
  });

  it('answers 404, not the app, for a missing asset or file', async () => {
    for (const missing of ['/assets/index-00000000.js', '/assets/gone', '/robots.txt', '/logo.png']) {
      const res = await fetch(`${server.url}${missing}`);
      expect(res.status, missing).toBe(404);
      expect(await res.text()).not.toContain('<title>');
    }
  });

  it('keeps the API paths: /trpc, /ping, /health, /ready and /metrics never get the app', async () => {
    expect(await (await fetch(`${server.url}/ping`)).json()).toEqual({ msg: 'pong' });
    expect((await (await fetch(`${server.url}/health`)).json()) as object).toMatchObject({ status: 'ok' });
    expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('http_requests_total');
    const { res, body } = await trpcGet(server.url, 'health.ping');
    expect(res.status).toBe(200);
    expect(body.result?.data.json).toEqual({ msg: 'pong' });
    const unknown = await trpcGet(server.url, 'no.such.procedure');
    expect(unknown.res.status).toBe(404);
    expect(unknown.body.error?.json.data.appCode).toBe('NOT_FOUND');
    for (const apiPath of ['/trpc', '/trpc/']) {
      const res = await fetch(`${server.url}${apiPath}`);
      expect(res.status, apiPath).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
    }
    // The API keeps its own, stricter policy.
    expect((await fetch(`${server.url}/ping`)).headers.get('content-security-policy')).toContain(
      "default-src 'none'",
    );
  });

  it('never serves a file outside the app: dot segments, encoded ones, backslashes, NUL bytes', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%5c..%5csecret.txt',
      '/index.html%00',
      '/%00../secret.txt',
      '/secret.txt%00.js',
      '/%c0%ae%c0%ae/secret.txt',
      '/%',
    ];
    for (const attempt of attempts) {
      const res = await raw('GET', attempt);
      expect([400, 404], attempt).toContain(res.status);
      expect(res.body, attempt).not.toContain(SECRET);
    }
  });

  it('does not follow a symlink out of the app, nor serve hidden files', async () => {
    const leak = await fetch(`${server.url}/leak.txt`);
    expect(leak.status).toBe(404);
    expect(await leak.text()).not.toContain(SECRET);
    const hidden = await fetch(`${server.url}/.env`);
    expect(await hidden.text()).not.toContain(SECRET);
  });

  it('other methods on app paths are not the app', async () => {
    const res = await fetch(`${server.url}/`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<title>');
  });
});

describe('without a built web app', () => {
  it('serves the API only, and says so in its log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const missing = path.join(tmpdir(), 'sb-no-such-web-dist');
    const apiOnly = await startTestServer({ WEB_DIST: missing }, { logger });
    try {
      expect((await fetch(`${apiOnly.url}/`)).status).toBe(404);
      expect(await (await fetch(`${apiOnly.url}/ping`)).json()).toEqual({ msg: 'pong' });
      const warning = lines
        .map((l) => JSON.parse(l) as { msg: string; webDist?: string })
        .find((l) => l.webDist);
      expect(warning?.webDist).toBe(missing);
      expect(warning?.msg).toMatch(/API only/);
    } finally {
      await apiOnly.close();
    }
  });
});
