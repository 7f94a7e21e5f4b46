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
  it('serves index.html at / with no-store (its nonce is never stored), the app CSP and nosniff', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
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
      expect(res.headers.get('cache-control')).toBe('no-store');
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
      '/%e0%80%ae%e0%80%ae/secret.txt',
      '/%c0%af..%c0%afsecret.txt',
      '/%252e%252e/secret.txt',
      '/%252e%252e%252fsecret.txt',
      '/assets/..;/..;/secret.txt',
      `/${'..%2f'.repeat(200)}secret.txt`,
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

describe('the web app at / under attack', () => {
  const isApp = (body: string) => body.includes('<title>Skill Bytes</title>');

  it('never answers a plain endpoint with a trailing slash, nor a path that normalises to /trpc, with the app', async () => {
    for (const p of ['/ping/', '/health/', '/ready/', '/metrics/', '/metrics//', '/health///']) {
      const res = await raw('GET', p);
      expect(res.status, p).toBe(404);
      expect(res.headers['content-type'], p).toContain('application/json');
      expect(isApp(res.body), p).toBe(false);
    }
    for (const p of ['/trpc/../index.html', '/trpc/%2e%2e/index.html', '/trpc/./', '/assets/../trpc/x']) {
      const res = await raw('GET', p);
      expect(res.status, p).not.toBe(500);
      expect(isApp(res.body), p).toBe(false);
    }
  });

  it('other methods on app paths and files: never a 500, never the app', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'OPTIONS']) {
      for (const p of ['/', '/leaderboard', '/assets/index-B1a2C3d4.js', '/assets/x', '/favicon.svg']) {
        const res = await raw(method, p);
        expect(res.status, `${method} ${p}`).toBeLessThan(500);
        expect([204, 404], `${method} ${p}`).toContain(res.status);
        expect(isApp(res.body), `${method} ${p}`).toBe(false);
        expect(res.body, `${method} ${p}`).not.toContain(SCRIPT);
      }
    }
  });

  it('every index.html answer (/, a route, HEAD, whatever the request asks) has a fresh nonce in its CSP and is never a 304', async () => {
    const nonces = new Set<string>();
    const variants: [string, string, Record<string, string>][] = [
      ['GET', '/', {}],
      ['GET', '/deep/app/route', {}],
      ['GET', '/index.html', {}],
      ['GET', '/', { 'if-none-match': '*' }],
      ['GET', '/', { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() }],
      ['GET', '/', { range: 'bytes=0-10' }],
      ['GET', '/leaderboard', { 'cache-control': 'max-age=100000' }],
    ];
    for (const [method, p, headers] of variants) {
      const res = await raw(method, p, headers);
      expect(res.status, p).toBe(200);
      expect(res.headers['cache-control'], p).toBe('no-store');
      expect(res.headers.etag, p).toBeUndefined();
      const nonce = res.body.match(NONCE)?.[1];
      expect(nonce, p).toBeTruthy();
      expect(res.headers['content-security-policy'], p).toContain(`style-src 'self' 'nonce-${nonce}'`);
      expect(res.body, p).not.toContain(CSP_NONCE_PLACEHOLDER);
      nonces.add(nonce!);
    }
    expect(nonces.size).toBe(variants.length);
    const head = await raw('HEAD', '/some/route');
    expect(head.headers['content-security-policy']).toMatch(/'nonce-[A-Za-z0-9+/=]{24}'/);
    // The answers that are not the page keep a policy too (without a nonce).
    for (const p of ['/assets/gone.js', '/%', '/favicon.svg']) {
      const res = await raw('GET', p);
      expect(res.headers['content-security-policy'], p).toContain("default-src 'self'");
      expect(res.headers['content-security-policy'], p).not.toContain('nonce');
      expect(res.headers['x-content-type-options'], p).toBe('nosniff');
    }
  });

  it('ignores Range (the whole file), answers odd If-None-Match values with the file, and refuses huge headers with 431', async () => {
    const ranged = await raw('GET', '/assets/index-B1a2C3d4.js', { range: 'bytes=0-3' });
    expect(ranged.status).toBe(200);
    expect(ranged.body).toBe(SCRIPT);
    for (const value of ['W/"x"', '"a", "b"', '*', '"', 'x'.repeat(12_000)]) {
      const res = await raw('GET', '/assets/index-B1a2C3d4.js', { 'if-none-match': value });
      expect(res.status, value.slice(0, 20)).toBe(200);
      expect(res.body).toBe(SCRIPT);
    }
    const huge = await raw('GET', '/', { 'if-none-match': 'x'.repeat(70_000) }).catch(() => ({
      status: 431,
    }));
    expect(huge.status).toBe(431);
  });

  it('very long paths and names are routes or 404s, never a 500', async () => {
    const paths = [
      `/${'a'.repeat(5000)}`,
      `/${'a/'.repeat(3000)}`,
      `/${'a'.repeat(300)}.js`,
      `/assets/${'b'.repeat(300)}.js`,
      `/${'%61'.repeat(2000)}`,
    ];
    for (const p of paths) {
      const res = await raw('GET', p);
      expect([200, 404], p.slice(0, 30)).toContain(res.status);
      if (res.status === 200) expect(isApp(res.body)).toBe(true);
    }
  });

  it('never lists a directory', async () => {
    for (const p of ['/assets', '/assets/', '/assets//', '/assets/?C=M;O=D']) {
      const res = await raw('GET', p);
      expect(res.body, p).not.toContain('index-B1a2C3d4.js');
    }
  });
});

describe('when the files change under a running server', () => {
  it('a download the client abandons is no error in the log, and a file gone since start-up is a 404 (the page keeps its last copy)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-site-live-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    writeFileSync(path.join(dir, 'assets', 'big-0a1b2c3d.js'), 'x'.repeat(8_000_000));
    writeFileSync(path.join(dir, 'assets', 'gone-0a1b2c3d.js'), SCRIPT);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const live = await startTestServer({ WEB_DIST: dir }, { logger });
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${live.url}/assets/big-0a1b2c3d.js`, (res) => {
            res.once('data', () => {
              req.destroy();
              setTimeout(resolve, 200);
            });
          });
          req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
        });
      }
      expect((await fetch(`${live.url}/ping`)).status).toBe(200);
      const errorLines = () =>
        lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
      expect(errorLines()).toEqual([]);

      // A rebuild in place: Vite empties the directory before writing the new build.
      rmSync(path.join(dir, 'assets', 'gone-0a1b2c3d.js'));
      rmSync(path.join(dir, 'index.html'));
      const asset = await fetch(`${live.url}/assets/gone-0a1b2c3d.js`);
      expect(asset.status).toBe(404);
      const page = await fetch(`${live.url}/leaderboard`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/^<!doctype html><title>Skill Bytes<\/title>/);
      // And the new build's index.html is served as soon as it is there.
      writeFileSync(path.join(dir, 'index.html'), INDEX.replace('Skill Bytes', 'Skill Bytes 2'));
      expect(await (await fetch(`${live.url}/`)).text()).toContain('Skill Bytes 2');
      expect(errorLines()).toEqual([]);
    } finally {
      await live.close();
      rmSync(dir, { recursive: true, force: true });
    }
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
