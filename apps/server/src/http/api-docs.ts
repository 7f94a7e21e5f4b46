import { createHash } from 'node:crypto';
import type http from 'node:http';
import { buildOpenApiDocument } from '@skillbytes/api/openapi';
import { sendJson } from './send-json.ts';

/** `/openapi.json`. */
export function isDocsPath(path: string) {
  return path === '/openapi.json';
}

/** The OpenAPI document of the REST routes, built once at start. */
export function createApiDocs({ publicOrigin }: { publicOrigin: string | undefined }) {
  const body = Buffer.from(JSON.stringify(buildOpenApiDocument({ serverUrl: publicOrigin ?? '/' })));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

  return function serveDocs(req: http.IncomingMessage, res: http.ServerResponse, _path: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    // Public and credential-free: any origin may read it (API tools, editors).
    res.removeHeader('access-control-allow-credentials');
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('cache-control', 'public, max-age=300');
    res.setHeader('etag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader('content-length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
