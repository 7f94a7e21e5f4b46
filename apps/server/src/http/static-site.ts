import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { type FileHandle, open, readFile, realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sendJson } from './send-json.ts';

/**
 * The placeholder the web app's build writes wherever a page needs its nonce (Vite's `html.cspNonce`:
 * on its script and style tags and in `<meta property="csp-nonce">`). Each index.html response gets a
 * fresh nonce in its place.
 */
export const CSP_NONCE_PLACEHOLDER = 'SKILLBYTES_CSP_NONCE';

/**
 * The policy for the web app's pages: its own scripts, styles, images and API, nothing else.
 * CodeMirror (style-mod) adds its styles as `<style>` elements, which `style-src 'self'` alone refuses;
 * rather than 'unsafe-inline' (any injected style) the page allows only styles carrying this response's
 * nonce, which the app hands to CodeMirror (`EditorView.cspNonce`). Element styles set through the CSSOM
 * (React's `style` prop, CodeMirror's layout) are not governed by CSP. The browser tests fail on any
 * violation report.
 */
function webAppCsp(nonce?: string) {
  return [
    "default-src 'self'",
    "script-src 'self'",
    nonce ? `style-src 'self' 'nonce-${nonce}'` : "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Vite writes content-hashed file names under assets/: such a file never changes. */
const HASHED_ASSETS = '/assets/';

export type StaticSite = {
  root: string;
  /** Answers a GET or HEAD for a file of the app, or index.html for an app route (SPA fallback). */
  serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
};

/** The built web app in `dir`, or undefined when there is none (no index.html): the server is API only. */
export function createStaticSite(dir: string): StaticSite | undefined {
  if (!existsSync(path.join(dir, 'index.html'))) return undefined;
  const root = realpathSync(dir);
  const indexPath = path.join(root, 'index.html');

  /**
   * The last index.html read: a rebuild in place (Vite empties the directory first) or a deleted file
   * keeps the page answering as it was, rather than a 500 for every route of the app.
   */
  let lastIndex = readFileSync(indexPath, 'utf8');
  const readIndex = async () => {
    try {
      lastIndex = await readFile(indexPath, 'utf8');
    } catch {}
    return lastIndex;
  };

  /**
   * index.html with a nonce of its own: never stored by any cache (`no-store`: a stored copy would
   * hand its nonce out again), never answered with a 304.
   */
  const sendIndex = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const nonce = randomBytes(16).toString('base64');
    const html = Buffer.from((await readIndex()).replaceAll(CSP_NONCE_PLACEHOLDER, nonce));
    res.statusCode = 200;
    res.setHeader('content-security-policy', webAppCsp(nonce));
    res.setHeader('content-type', CONTENT_TYPES['.html']!);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-length', html.length);
    res.end(req.method === 'HEAD' ? undefined : html);
  };

  const send = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    file: { path: string },
    cacheControl: string,
  ) => {
    // Opened before anything is said about it: a file gone since it was found (a rebuild in place)
    // is a 404, and what is sent is what was measured.
    let handle: FileHandle;
    try {
      handle = await open(file.path, 'r');
    } catch {
      return sendJson(res, 404, { error: 'not found' });
    }
    try {
      const info = await handle.stat();
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      res.setHeader(
        'content-type',
        CONTENT_TYPES[path.extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      );
      res.setHeader('cache-control', cacheControl);
      res.setHeader('etag', etag);
      if (req.headers['if-none-match'] === etag) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.statusCode = 200;
      res.setHeader('content-length', info.size);
      if (req.method === 'HEAD' || info.size === 0) {
        res.end();
        return;
      }
      // No further than measured: a file that grows meanwhile must not overrun its content-length.
      await pipeline(handle.createReadStream({ autoClose: false, end: info.size - 1 }), res);
    } catch (error) {
      // The client went away mid-file (a closed tab, a cancelled download): nothing went wrong here,
      // and logging it as an error would let anyone fill the error log by aborting downloads.
      if (isPrematureClose(error) || res.destroyed) return;
      throw error;
    } finally {
      await handle.close().catch(() => {});
    }
  };

  return {
    root,
    async serve(req, res) {
      res.setHeader('content-security-policy', webAppCsp());
      const requested = requestedPath(req.url ?? '/');
      if (requested === undefined) return sendJson(res, 400, { error: 'bad request' });

      const file = await fileInside(root, requested);
      if (file && file.path !== indexPath) {
        const isHashed = requested.startsWith(HASHED_ASSETS);
        return send(req, res, file, isHashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      }
      // A missing file is a 404; any other path is a route of the app, which index.html renders.
      if (!file && (requested.startsWith(HASHED_ASSETS) || path.posix.extname(requested) !== '')) {
        return sendJson(res, 404, { error: 'not found' });
      }
      return sendIndex(req, res);
    },
  };
}

/**
 * The decoded path of a request URL, or undefined for one we refuse: undecodable, a NUL byte, a
 * backslash, or a `.`/`..` segment before or after decoding (browsers never send those).
 */
function requestedPath(url: string): string | undefined {
  const raw = url.split('?')[0]?.split('#')[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const hasDotSegment = (p: string) => p.split('/').some((s) => s === '.' || s === '..');
  if (hasDotSegment(raw) || hasDotSegment(decoded)) return undefined;
  return decoded;
}

/** A regular file under `root` (after resolving symlinks), not a hidden one; else undefined. */
async function fileInside(root: string, requested: string) {
  if (requested.split('/').some((segment) => segment.startsWith('.'))) return undefined;
  const candidate = path.join(root, requested);
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(root + path.sep)) return undefined;
    const info = await stat(real);
    if (!info.isFile()) return undefined;
    return { path: real };
  } catch {
    return undefined;
  }
}

const isPrematureClose = (error: unknown) =>
  (error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
