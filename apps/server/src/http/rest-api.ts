import type http from 'node:http';
import {
  appRouter,
  type Context,
  createContextInner,
  DomainError,
  type ResponseControl,
  type Services,
} from '@skillbytes/api';
import { describeRestRoutes, type QueryParamType, type RestRoute } from '@skillbytes/api/openapi';
import { APP_ERRORS, type AppCode } from '@skillbytes/shared';
import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError } from '@trpc/server';
import type { Logger } from 'pino';
import type { RequestMeta } from './request-meta.ts';
import { sendJson } from './send-json.ts';
import { parseBearer } from './trpc-context.ts';

/** Every path under /api is the REST API's: an unknown one is its 404, never the web app's page. */
export function isRestPath(path: string) {
  return path === '/api' || path.startsWith('/api/');
}

type RestApiOptions = { services: Services; bodyLimitBytes: number; logger: Logger };

/**
 * The plain-JSON REST routes of @skillbytes/api/openapi: each calls its tRPC procedure (validation,
 * rate limits, errors and authentication are the procedure's own) and answers its output as plain
 * JSON, or `{ error: { code, appCode, message, ... } }` with the status tRPC gives that code.
 *
 * Authentication is `Authorization: Bearer` only: the REST routes neither read nor set cookies, so a
 * cross-site page cannot make a visitor's browser act with their session, and they need none of the
 * CSRF checks of /trpc (whose routes accept the session cookies).
 */
export function createRestApi({ services, bodyLimitBytes, logger }: RestApiOptions) {
  const routes = new Map(describeRestRoutes().map((route) => [route.path, route]));

  return async function serveRest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    meta: RequestMeta,
  ): Promise<void> {
    res.setHeader('cache-control', 'no-store');
    const route = routes.get(url.pathname);
    const type = route?.method === 'GET' ? 'query' : 'mutation';
    const headers = new Headers();
    let input: unknown;
    let ctx: Context | undefined;
    try {
      if (!route) {
        throw refusal(
          'NOT_FOUND',
          `No REST route at ${url.pathname.slice(0, 200)}: /openapi.json lists them`,
        );
      }
      if (req.method !== route.method) {
        res.setHeader('allow', route.method);
        throw refusal('METHOD_NOT_ALLOWED', `${route.path} takes ${route.method}`);
      }
      input = route.method === 'GET' ? queryInput(route, url.searchParams) : await bodyInput(req, res, route);
      ctx = restContext(services, req, meta, headers);
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const data = await callTRPCProcedure({
        router: appRouter,
        path: route.procedure,
        getRawInput: async () => input,
        ctx,
        type,
        signal: abort.signal,
        batchIndex: 0,
      });
      writeCollectedHeaders(res, headers);
      sendJson(res, 200, data ?? null);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        logger.error({ err: error.cause ?? error, path: route?.procedure, reqId: meta.id }, 'rest error');
      }
      const shape = getTRPCErrorShape({
        config: appRouter._def._config,
        error,
        type: route ? type : 'unknown',
        path: route?.procedure,
        input,
        ctx,
      });
      if (res.destroyed) return;
      writeCollectedHeaders(res, headers);
      const { code, httpStatus, appCode, details, zodIssues } = shape.data as typeof shape.data & {
        details?: unknown;
        zodIssues?: unknown;
      };
      sendJson(res, httpStatus, {
        error: {
          code,
          appCode,
          message: shape.message,
          ...(details ? { details } : {}),
          ...(zodIssues ? { issues: zodIssues } : {}),
        },
      });
    }
  };

  /** A POST's JSON body, read within the body limit, decoded as strict UTF-8. */
  async function bodyInput(req: http.IncomingMessage, res: http.ServerResponse, route: RestRoute) {
    const length = req.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return route.tokensInBody ? withTokensInBody(undefined) : undefined;
    const [mediaType, ...params] = (req.headers['content-type'] ?? '')
      .split(';')
      .map((p) => p.trim().toLowerCase());
    const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
    if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
      throw refusal('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json (UTF-8)');
    }
    if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
      throw refusal('UNSUPPORTED_MEDIA_TYPE', 'Send the body without a content-encoding');
    }
    if (Number(length ?? 0) > bodyLimitBytes) throw tooLarge(res);
    const raw = await readBody(req, res);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
    } catch {
      throw refusal('VALIDATION_FAILED', 'The body is not valid UTF-8');
    }
    if (text.trim() === '') return route.tokensInBody ? withTokensInBody(undefined) : undefined;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof SyntaxError ? `: ${error.message.slice(0, 200)}` : '';
      throw new TRPCError({ code: 'PARSE_ERROR', message: `The body is not valid JSON${reason}` });
    }
    return route.tokensInBody ? withTokensInBody(body) : body;
  }

  /** Reads at most the body limit; past it, the answer is a 413 and the connection is closed after it. */
  function readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > bodyLimitBytes) {
          req.off('data', onData);
          req.pause();
          reject(tooLarge(res));
          return;
        }
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', () =>
        reject(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', message: 'The client went away' })),
      );
      req.once('close', () => {
        if (!req.complete)
          reject(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', message: 'The client went away' }));
      });
    });
  }

  function tooLarge(res: http.ServerResponse) {
    res.setHeader('connection', 'close');
    return refusal('PAYLOAD_TOO_LARGE', `Request body over ${bodyLimitBytes} bytes`);
  }
}

/** The procedure's context for a REST call: the bearer token, never a cookie. */
function restContext(services: Services, req: http.IncomingMessage, meta: RequestMeta, headers: Headers) {
  const res: ResponseControl = {
    setHeader: (name, value) => headers.set(name, value),
    // Cookies are the browser's session, which REST neither reads nor sets.
    setCookie: () => {},
  };
  return createContextInner({
    services,
    credentials: { bearer: parseBearer(req.headers.authorization) },
    req: {
      id: meta.id,
      ip: meta.ip,
      userAgent: req.headers['user-agent']?.slice(0, 512) ?? null,
      viaCookie: false,
    },
    res,
  });
}

/** Headers the procedure set (cache-control, retry-after). */
function writeCollectedHeaders(res: http.ServerResponse, headers: Headers) {
  headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
}

/**
 * A GET's input from its query string: each parameter read as the type its schema names (so the
 * schema's own checks apply); a repeated one is refused; a parameter the input does not take goes to
 * the schema, which refuses it by name. A GET whose procedure takes no input takes no parameters.
 */
function queryInput(route: RestRoute, search: URLSearchParams) {
  const names = [...new Set(search.keys())];
  if (!route.query) {
    if (names.length > 0) throw refusal('VALIDATION_FAILED', `${route.path} takes no query parameters`);
    return undefined;
  }
  const types = route.query;
  return Object.fromEntries(
    names.map((name) => {
      const values = search.getAll(name);
      if (values.length > 1) {
        throw refusal(
          'VALIDATION_FAILED',
          `Query parameter ${name.slice(0, 100)} is given ${values.length} times`,
        );
      }
      const value = values[0] ?? '';
      return [name, Object.hasOwn(types, name) ? readParam(value, types[name] as QueryParamType) : value];
    }),
  );
}

/** Text as the type a parameter's schema expects; what does not read as one stays text for the schema to refuse. */
function readParam(value: string, type: QueryParamType): unknown {
  if (type === 'integer' || type === 'number') {
    return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value) ? Number(value) : value;
  }
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** `tokenDelivery` is always `'body'` over REST: filled in when absent, refused when anything else. */
function withTokensInBody(body: unknown) {
  if (body === undefined) return { tokenDelivery: 'body' };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  if (!Object.hasOwn(body, 'tokenDelivery')) return { ...body, tokenDelivery: 'body' };
  if ((body as { tokenDelivery: unknown }).tokenDelivery !== 'body') {
    throw refusal(
      'VALIDATION_FAILED',
      'Over REST the tokens come in the response body: tokenDelivery must be "body"',
    );
  }
  return body;
}

function refusal(appCode: AppCode, message: string) {
  return new TRPCError({ code: APP_ERRORS[appCode], message, cause: new DomainError(appCode, message) });
}
