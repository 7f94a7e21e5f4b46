import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import { sendJson } from './send-json.ts';

/** GET /metrics (Prometheus text); with a token (METRICS_TOKEN) only for `Authorization: Bearer <token>`. */
export async function serveMetrics(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  metrics: Metrics,
  token: string | undefined,
) {
  if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
    res.setHeader('www-authenticate', 'Bearer realm="metrics"');
    return sendJson(res, 401, { error: 'unauthorized' });
  }
  res.setHeader('content-type', metrics.registry.contentType);
  res.setHeader('cache-control', 'no-store');
  res.statusCode = 200;
  res.end(await metrics.registry.metrics());
}

/** Compared as SHA-256 digests with timingSafeEqual: equal lengths, and the time says nothing of the token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(token)) && match !== null;
}

/** The server for METRICS_PORT: GET /metrics and nothing else, each request logged at debug. */
export function createMetricsServer(metrics: Metrics, token: string | undefined, logger: Logger) {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.once('close', () =>
      logger.debug({ method: req.method, path, status: res.statusCode }, 'metrics request'),
    );
    if (req.method !== 'GET' || path !== '/metrics') return sendJson(res, 404, { error: 'not found' });
    serveMetrics(req, res, metrics, token).catch((err) => {
      logger.error({ err }, 'metrics error');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
