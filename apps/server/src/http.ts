import http from 'node:http';
import { isIP } from 'node:net';
import {
  appRouter,
  type Context,
  createContextInner,
  type ResponseControl,
  type Services,
} from '@skillbytes/api';
import { cookieNames } from '@skillbytes/api/cookies';
import { APP_ERRORS, type AppCode } from '@skillbytes/shared';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { parse as parseCookies } from 'cookie';
import type { Logger } from 'pino';
import superjson from 'superjson';
import type { ServerConfig } from './config.ts';
import type { Metrics } from './metrics.ts';

export type HttpAppOptions = {
  services: Services;
  config: Pick<ServerConfig, 'bodyLimitBytes' | 'http' | 'trustProxy' | 'publicOrigin' | 'api'>;
  metrics: Metrics;
  logger: Logger;
};

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-site',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * How often node looks for connections past `headersTimeout`/`requestTimeout`. Node's default (30 s)
 * lets a client that trickles its headers hold a socket for ~3x a 10 s headers timeout.
 */
const CONNECTIONS_CHECK_MS = 1000;

const HTTP_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
};

const TRPC_JSON_RPC_CODES: Record<string, number> = {
  BAD_REQUEST: -32600,
  UNAUTHORIZED: -32001,
  FORBIDDEN: -32003,
  NOT_FOUND: -32004,
  PAYLOAD_TOO_LARGE: -32013,
  UNSUPPORTED_MEDIA_TYPE: -32015,
  TOO_MANY_REQUESTS: -32029,
  SERVICE_UNAVAILABLE: -32603,
};

/**
 * The HTTP adapter: plain endpoints (/ping, /health, /ready, /metrics) and tRPC under /trpc, with
 * CORS, CSRF and content-type guards, a body limit, security headers, request ids, one log line and
 * metrics per request, and a graceful shutdown.
 */
export function createHttpApp({ services, config, metrics, logger }: HttpAppOptions) {
  const names = cookieNames(config.api.isProduction);
  const collected = new WeakMap<ResponseControl, Headers>();
  const active = new Map<http.ServerResponse, { isStream: boolean }>();
  let shuttingDown = false;

  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: config.bodyLimitBytes,
    allowBatching: true,
    maxBatchSize: 20,
    createContext({ req }): Context {
      const meta = (req as RequestWithMeta).sb;
      const { cookies } = meta;
      const headers = new Headers();
      const res: ResponseControl = {
        setHeader: (name, value) => headers.set(name, value),
        setCookie: (value) => headers.append('set-cookie', value),
      };
      collected.set(res, headers);
      const accessCookie = cookies[names.access];
      const refreshCookie = cookies[names.refresh];
      return createContextInner({
        services,
        credentials: {
          bearer: parseBearer(req.headers.authorization),
          accessCookie,
          refreshCookie,
          deviceCookie: cookies[names.device],
        },
        req: {
          id: meta.id,
          ip: meta.ip,
          userAgent: req.headers['user-agent']?.slice(0, 512) ?? null,
          viaCookie: Boolean(accessCookie || refreshCookie),
        },
        res,
      });
    },
    responseMeta({ ctx }) {
      const headers = ctx ? collected.get(ctx.res) : undefined;
      return headers ? { headers } : {};
    },
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        logger.error({ err: error.cause ?? error, path }, 'trpc error');
    },
  });

  const isAllowedOrigin = (origin: string, req: http.IncomingMessage) =>
    origin === ownOrigin(req, config.publicOrigin) || config.api.corsOrigins.includes(origin);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (config.api.isProduction)
      res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
    res.setHeader('x-request-id', (req as RequestWithMeta).sb.id);

    const origin = req.headers.origin;
    if (origin && config.api.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    }
    res.setHeader('vary', 'Origin');

    if (shuttingDown) {
      res.setHeader('connection', 'close');
      return sendJson(res, 503, { error: 'shutting down' });
    }
    if (req.method === 'OPTIONS') {
      if (origin && config.api.corsOrigins.includes(origin)) {
        res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
        res.setHeader(
          'access-control-allow-headers',
          'content-type, authorization, trpc-accept, x-request-id, last-event-id',
        );
        res.setHeader('access-control-max-age', '600');
      }
      res.statusCode = 204;
      return res.end();
    }

    if (path === '/ping' && req.method === 'GET') return sendJson(res, 200, { msg: 'pong' });
    if (path === '/health' && req.method === 'GET') {
      return sendJson(res, 200, { status: 'ok', uptimeSec: Math.round(process.uptime()) });
    }
    if (path === '/ready' && req.method === 'GET') {
      try {
        await withTimeout(services.database.ping(), 2000);
        return sendJson(res, 200, { status: 'ready' });
      } catch {
        return sendJson(res, 503, { status: 'unavailable', reason: 'database unreachable' });
      }
    }
    if (path === '/metrics' && req.method === 'GET') {
      res.setHeader('content-type', metrics.registry.contentType);
      res.statusCode = 200;
      return res.end(await metrics.registry.metrics());
    }
    if (path.startsWith('/trpc/')) {
      res.setHeader('cache-control', 'no-store');
      if (req.method === 'POST') {
        const refusal = checkMutationRequest(req, (o) => isAllowedOrigin(o, req), hasOurCookie(req, names));
        if (refusal) {
          if (refusal.appCode === 'CSRF_REJECTED') {
            logger.warn({ reqId: (req as RequestWithMeta).sb.id, origin }, 'malicious_csrf');
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
      }
      return trpcHandler(req, res);
    }
    return sendJson(res, 404, { error: 'not found' });
  };

  const server = http.createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, (req, res) => {
    const start = performance.now();
    const id = requestId(req.headers['x-request-id']);
    const ip = clientIp(req, config.trustProxy);
    // Parsed once: authentication and the CSRF guard must agree on which cookies a request carries.
    const cookies = req.headers.cookie ? parseCookies(req.headers.cookie) : {};
    (req as RequestWithMeta).sb = { id, ip, cookies };
    const isStream = req.headers.accept === 'text/event-stream';
    active.set(res, { isStream });
    const route = routeOf(req.url ?? '/');
    res.once('close', () => {
      active.delete(res);
      const durationMs = performance.now() - start;
      metrics.observeRequest(route, req.method ?? 'GET', res.statusCode, durationMs / 1000);
      logger.info(
        {
          reqId: id,
          method: req.method,
          path: (req.url ?? '/').split('?')[0]?.slice(0, 300),
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
          ip,
          ua: req.headers['user-agent']?.slice(0, 200),
        },
        'request',
      );
    });
    handle(req, res).catch((err) => {
      logger.error({ err, reqId: id }, 'unhandled request error');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = 60_000;
  if (config.http.maxConnections > 0) server.maxConnections = config.http.maxConnections;

  /** Stop accepting, end event streams, let in-flight requests finish (bounded), then return. */
  async function shutdown(graceMs = 10_000) {
    shuttingDown = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const [res, info] of active) if (info.isStream) res.destroy();
    const deadline = Date.now() + graceMs;
    while ([...active.values()].some((a) => !a.isStream) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    server.closeAllConnections();
    await closed;
  }

  return { server, shutdown };
}

type RequestWithMeta = http.IncomingMessage & {
  sb: { id: string; ip: string | null; cookies: Record<string, string | undefined> };
};

/** Any of our cookies, as the `cookie` parser (the one authentication uses) reads the header. */
function hasOurCookie(req: http.IncomingMessage, names: Record<string, string>) {
  const { cookies } = (req as RequestWithMeta).sb;
  return Object.values(names).some((name) => cookies[name] !== undefined);
}

/**
 * CSRF and content-type rules for every POST under /trpc. tRPC itself accepts multipart/form-data
 * and octet-stream mutations, which a cross-site form can send without a preflight: only JSON passes.
 * A request that names a foreign origin is refused; one that carries our cookies must name ours.
 */
function checkMutationRequest(
  req: http.IncomingMessage,
  isAllowed: (origin: string) => boolean,
  hasAuthCookie: boolean,
): { appCode: AppCode; message: string } | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return { appCode: 'UNSUPPORTED_MEDIA_TYPE', message: 'Requests must be application/json' };
  }
  const origin = req.headers.origin ?? refererOrigin(req.headers.referer);
  if (origin !== undefined && !isAllowed(origin)) {
    return { appCode: 'CSRF_REJECTED', message: 'Cross-site request refused' };
  }
  if (hasAuthCookie) {
    if (origin === undefined) return { appCode: 'CSRF_REJECTED', message: 'Cross-site request refused' };
    if (req.headers['sec-fetch-site'] === 'cross-site' && !isAllowed(origin)) {
      return { appCode: 'CSRF_REJECTED', message: 'Cross-site request refused' };
    }
  }
  return undefined;
}

function refererOrigin(referer: string | undefined) {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

function ownOrigin(req: http.IncomingMessage, publicOrigin: string | undefined) {
  return publicOrigin ?? `http://${req.headers.host ?? 'localhost'}`;
}

function parseBearer(header: string | undefined) {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  return match?.[1];
}

function requestId(header: string | string[] | undefined) {
  return typeof header === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : crypto.randomUUID();
}

/** The socket address, or the first untrusted hop of X-Forwarded-For when the socket is a trusted proxy. */
export function clientIp(req: http.IncomingMessage, trustedProxies: string[]): string | null {
  const remote = normalizeIp(req.socket.remoteAddress);
  if (!remote || !trustedProxies.includes(remote)) return remote;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => normalizeIp(s.trim()))
    .filter((s): s is string => Boolean(s));
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = forwarded[i]!;
    if (!trustedProxies.includes(hop)) return hop;
  }
  return remote;
}

function normalizeIp(ip: string | undefined | null) {
  if (!ip) return null;
  const v = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return isIP(v) ? v : null;
}

function routeOf(url: string) {
  const path = url.split('?')[0] ?? '/';
  if (path.startsWith('/trpc/')) return '/trpc';
  return ['/ping', '/health', '/ready', '/metrics'].includes(path) ? path : 'other';
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** An error in the same shape (and superjson envelope) as tRPC's own, so typed clients read it. */
function sendTrpcError(res: http.ServerResponse, appCode: AppCode, message: string) {
  const code = APP_ERRORS[appCode];
  const httpStatus = HTTP_STATUS[code] ?? 400;
  const shape = {
    message,
    code: TRPC_JSON_RPC_CODES[code] ?? -32600,
    data: { code, httpStatus, appCode },
  };
  sendJson(res, httpStatus, { error: superjson.serialize(shape) });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
