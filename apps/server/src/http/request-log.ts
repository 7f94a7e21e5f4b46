import type http from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import { isDocsPath } from './api-docs.ts';
import { isPlainPath } from './plain-endpoints.ts';
import type { RequestMeta } from './request-meta.ts';
import { isRestPath } from './rest-api.ts';

/** When the response closes: one `request` log line and the HTTP metrics, timed from `start`. */
export function logWhenClosed(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { start, meta, metrics, logger }: { start: number; meta: RequestMeta; metrics: Metrics; logger: Logger },
) {
  const route = routeOf(req.url ?? '/');
  res.once('close', () => {
    const durationMs = performance.now() - start;
    metrics.observeRequest(route, req.method ?? 'GET', res.statusCode, durationMs / 1000);
    // Probes and scrapes arrive every few seconds: at info they would drown the requests people make.
    logger[isPlainPath(route) ? 'debug' : 'info'](
      {
        reqId: meta.id,
        method: req.method,
        path: (req.url ?? '/').split('?')[0]?.slice(0, 300),
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        ip: meta.ip,
        ua: req.headers['user-agent']?.slice(0, 200),
      },
      'request',
    );
  });
}

/** A metrics label with few values: any path a client makes up is `other`. */
function routeOf(url: string) {
  const path = url.split('?')[0] ?? '/';
  if (path.startsWith('/trpc/')) return '/trpc';
  if (isRestPath(path)) return '/api';
  if (isDocsPath(path)) return path === '/openapi.json' ? path : '/docs';
  return isPlainPath(path) ? path : 'other';
}
