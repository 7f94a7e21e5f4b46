import http from 'node:http';
import { appRouter, type Services } from '@skillbytes/api';
import { cookieNames } from '@skillbytes/api/cookies';
import type { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { createApiDocs, isDocsPath } from './api-docs.ts';
import { answerPreflight, applyCors } from './cors.ts';
import { trustedProxies } from './client-ip.ts';
import { checkMutationRequest } from './csrf.ts';
import { sendTrpcError } from './error-envelope.ts';
import { serveMetrics } from './metrics-endpoint.ts';
import { isPlainPath, servePlainEndpoint } from './plain-endpoints.ts';
import { logWhenClosed } from './request-log.ts';
import { type RequestMeta, readRequestMeta } from './request-meta.ts';
import { createRestApi, isRestPath } from './rest-api.ts';
import { setSecurityHeaders } from './security-headers.ts';
import type { StaticSite } from './static-site.ts';
import { sendJson } from './send-json.ts';
import { createShutdown } from './shutdown.ts';
import { createTrpcContext } from './trpc-context.ts';
import { createQueryPath } from './trpc-queries.ts';

export type HttpAppOptions = {
  services: Services;
  config: Pick<ServerConfig, 'bodyLimitBytes' | 'http' | 'trustProxy' | 'metrics' | 'publicOrigin' | 'api'>;
  metrics: Metrics;
  logger: Logger;
  /** The built web app, served at / for every path the API does not own. */
  site?: StaticSite | undefined;
  /** GET queries through the lean path (./trpc-queries.ts); false sends every call through tRPC's adapter (tests compare the two). */
  leanQueries?: boolean;
};

/**
 * How often node looks for connections past `headersTimeout`/`requestTimeout`. Node's default (30 s)
 * lets a client that trickles its headers hold a socket for ~3x a 10 s headers timeout.
 */
const CONNECTIONS_CHECK_MS = 1000;

/** Calls per tRPC batch request. */
const MAX_BATCH_SIZE = 20;

/**
 * The HTTP adapter: plain endpoints (/ping, /health, /ready, /metrics), tRPC under /trpc, the REST
 * routes under /api with their OpenAPI document (/openapi.json) and docs page (/docs), and the web
 * app at every other path, with CORS, CSRF and content-type guards, a body limit, security headers,
 * request ids, one log line and metrics per request, and a graceful shutdown.
 */
export function createHttpApp({
  services,
  config,
  metrics,
  logger,
  site,
  leanQueries = true,
}: HttpAppOptions) {
  const names = cookieNames(config.api.isProduction);
  const { corsOrigins } = config.api;
  const drain = createShutdown();
  const isTrustedProxy = trustedProxies(config.trustProxy);

  const trpcContext = createTrpcContext(services, names);
  const onTrpcError = ({ error, path }: { error: TRPCError; path: string | undefined }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR')
      logger.error({ err: error.cause ?? error, path }, 'trpc error');
  };
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: config.bodyLimitBytes,
    allowBatching: true,
    maxBatchSize: MAX_BATCH_SIZE,
    ...trpcContext,
    onError: onTrpcError,
  });
  const serveQueries = createQueryPath({
    router: appRouter,
    ...trpcContext,
    onError: onTrpcError,
    maxBatchSize: MAX_BATCH_SIZE,
  });

  const serveRest = createRestApi({ services, bodyLimitBytes: config.bodyLimitBytes, logger });
  const serveDocs = createApiDocs({ publicOrigin: config.publicOrigin });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, meta: RequestMeta) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    setSecurityHeaders(res, config.api.isProduction);
    res.setHeader('x-request-id', meta.id);
    applyCors(req, res, corsOrigins);

    if (drain.refuseWhileShuttingDown(res)) return;
    if (req.method === 'OPTIONS') return answerPreflight(req, res, corsOrigins);
    if (req.method === 'GET' && isPlainPath(path)) {
      if (path !== '/metrics') return servePlainEndpoint(path, res, { services });
      // With METRICS_PORT, /metrics lives on that port only: the public one does not even say it exists.
      if (config.metrics.port !== undefined) return sendJson(res, 404, { error: 'not found' });
      return serveMetrics(req, res, metrics, config.metrics.token);
    }
    if (isRestPath(path)) return serveRest(req, res, url, meta);
    if (isDocsPath(path)) return serveDocs(req, res, path);
    if (site && (req.method === 'GET' || req.method === 'HEAD') && !isApiPath(path))
      return site.serve(req, res);
    if (!path.startsWith('/trpc/')) return sendJson(res, 404, { error: 'not found' });

    res.setHeader('cache-control', 'no-store');
    if (req.method === 'POST') {
      const refusal = checkMutationRequest(req, meta, {
        publicOrigin: config.publicOrigin,
        corsOrigins,
        cookieNames: names,
      });
      if (refusal) {
        if (refusal.appCode === 'CSRF_REJECTED') {
          logger.warn({ reqId: meta.id, origin: req.headers.origin }, 'malicious_csrf');
        }
        return sendTrpcError(res, refusal.appCode, refusal.message);
      }
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > config.bodyLimitBytes) {
        res.setHeader('connection', 'close');
        return sendTrpcError(res, 'PAYLOAD_TOO_LARGE', `Request body over ${config.bodyLimitBytes} bytes`);
      }
    } else if (req.method !== 'GET') {
      res.setHeader('allow', 'GET, POST');
      return sendJson(res, 405, { error: 'method not allowed' });
    } else if (leanQueries && (await serveQueries(req, res, url))) {
      return;
    }
    return trpcHandler(req, res);
  };

  const server = http.createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, (req, res) => {
    const start = performance.now();
    const meta = readRequestMeta(req, isTrustedProxy);
    drain.track(req, res);
    logWhenClosed(req, res, { start, meta, metrics, logger });
    handle(req, res, meta).catch((err) => {
      logger.error({ err, reqId: meta.id }, 'unhandled request error');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = 60_000;
  if (config.http.maxConnections > 0) server.maxConnections = config.http.maxConnections;
  if (config.http.maxConnectionsPerIp > 0) capConnectionsPerAddress(server, config.http.maxConnectionsPerIp);

  return {
    server,
    /** Stop accepting, end event streams, let in-flight requests finish (bounded), then return. */
    shutdown: (graceMs?: number) => drain.shutdown(server, graceMs),
  };
}

/**
 * Paths the API owns: the web app never answers them, not even with its index.html. A plain
 * endpoint with a trailing slash (`/health/`) is the API's too: a probe set up with one must hear
 * 404, not the app's 200.
 */
function isApiPath(path: string) {
  return (
    path === '/trpc' ||
    path.startsWith('/trpc/') ||
    isRestPath(path) ||
    isDocsPath(path) ||
    isPlainPath(path) ||
    isPlainPath(path.replace(/\/+$/, ''))
  );
}

/** Closes a new socket at once when its peer address already holds `limit` of them. */
function capConnectionsPerAddress(server: http.Server, limit: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limit) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
