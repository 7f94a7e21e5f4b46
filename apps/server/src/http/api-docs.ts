import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import { buildOpenApiDocument } from '@skillbytes/api/openapi';
import { sendJson } from './send-json.ts';

/** `/openapi.json` and the `/docs` page with its scripts. */
export function isDocsPath(path: string) {
  return path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/');
}

/**
 * Redoc's standalone bundle: next to this module once built (the server's build copies it there, so a
 * production install has no Redoc package), else from node_modules (sources, in the workspace).
 */
function redocBundle(): Buffer {
  const built = new URL('./docs/redoc.standalone.js', import.meta.url);
  if (existsSync(built)) return readFileSync(built);
  return readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'));
}
const START_PATH = '/docs/start-redoc.js';

/**
 * Styles Redoc's bundle inserts while it loads, before it reads the nonce option (perfect-scrollbar's
 * CSS, and an empty element): allowed by their hashes. The browser test fails on any CSP violation, so
 * a Redoc upgrade that changes them is caught there.
 */
const REDOC_EARLY_STYLE_HASHES = [
  'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc=',
  'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
];

/**
 * The /docs page's own policy (every other response keeps `default-src 'none'`). Redoc (2.x) cannot
 * run under the web app's policy as it is: it renders with styled-components, whose <style> elements
 * carry the nonce only once Redoc has read its options; it embeds icons as data: URLs, and builds its
 * search index in a Worker made from a blob: URL. Scripts are still this origin's files only, and the
 * page may connect to nothing but this origin: no request leaves it (Redoc's logo, which it loads from
 * a CDN, is refused).
 */
function docsCsp(nonce: string) {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}' ${REDOC_EARLY_STYLE_HASHES.map((h) => `'${h}'`).join(' ')}`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    'worker-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const page = (nonce: string, redocPath: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta property="csp-nonce" nonce="${nonce}">
    <title>Skill Bytes REST API</title>
  </head>
  <body>
    <noscript>This page needs JavaScript. The API's description is <a href="/openapi.json">/openapi.json</a>.</noscript>
    <div id="redoc"></div>
    <script src="${redocPath}"></script>
    <script src="${START_PATH}"></script>
  </body>
</html>
`;

type Asset = { body: Buffer; etag: string; type: string; cacheControl: string };

function asset(body: Buffer | string, type: string, cacheControl: string): Asset {
  const bytes = Buffer.from(body);
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
  return { body: bytes, etag, type, cacheControl };
}

/**
 * The OpenAPI document and the docs page that renders it with Redoc's standalone bundle, served by this
 * server: the page works offline. Both are built on the first request for one, not at start: a server
 * nobody reads the docs of never reads Redoc's megabyte.
 */
export function createApiDocs({ publicOrigin }: { publicOrigin: string | undefined }) {
  let built: { assets: Map<string, Asset>; redocPath: string } | undefined;
  const build = () => {
    const document = buildOpenApiDocument({ serverUrl: publicOrigin ?? '/' });
    const redoc = redocBundle();
    /** Named by its content, so it can be cached for good: an upgrade of Redoc changes the URL. */
    const redocPath = `/docs/redoc-${createHash('sha256').update(redoc).digest('hex').slice(0, 16)}.standalone.js`;
    const assets = new Map<string, Asset>([
      [
        '/openapi.json',
        asset(JSON.stringify(document), 'application/json; charset=utf-8', 'public, max-age=300'),
      ],
      [redocPath, asset(redoc, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable')],
      [
        START_PATH,
        asset(
          readFileSync(new URL('./docs/start-redoc.js', import.meta.url)),
          'text/javascript; charset=utf-8',
          'no-cache',
        ),
      ],
    ]);
    return { assets, redocPath };
  };

  return function serveDocs(req: http.IncomingMessage, res: http.ServerResponse, path: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    built ??= build();
    if (path === '/docs') return sendPage(req, res, built.redocPath);
    const found = built.assets.get(path);
    if (!found) return sendJson(res, 404, { error: 'not found' });
    if (path === '/openapi.json') {
      // Public and credential-free: any origin may read it (API tools, editors).
      res.removeHeader('access-control-allow-credentials');
      res.setHeader('access-control-allow-origin', '*');
    }
    res.setHeader('content-type', found.type);
    res.setHeader('cache-control', found.cacheControl);
    res.setHeader('etag', found.etag);
    if (req.headers['if-none-match'] === found.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader('content-length', found.body.length);
    res.end(req.method === 'HEAD' ? undefined : found.body);
  };
}

/** The page, with a nonce of its own per response (so never stored by a cache). */
function sendPage(req: http.IncomingMessage, res: http.ServerResponse, redocPath: string) {
  const nonce = randomBytes(16).toString('base64');
  const html = Buffer.from(page(nonce, redocPath));
  res.statusCode = 200;
  res.setHeader('content-security-policy', docsCsp(nonce));
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', html.length);
  res.end(req.method === 'HEAD' ? undefined : html);
}
