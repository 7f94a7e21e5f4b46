import type http from 'node:http';
import { parse as parseCookies } from 'cookie';
import { clientIp, type ProxyMatcher } from './client-ip.ts';

/** What the server reads from a request once, before anything else looks at it. */
export type RequestMeta = { id: string; ip: string | null; cookies: Record<string, string | undefined> };

const metas = new WeakMap<http.IncomingMessage, RequestMeta>();

export function readRequestMeta(req: http.IncomingMessage, isTrustedProxy: ProxyMatcher): RequestMeta {
  const meta: RequestMeta = {
    id: requestId(req.headers['x-request-id']),
    ip: clientIp(req, isTrustedProxy),
    // Parsed once: authentication and the CSRF guard must agree on which cookies a request carries.
    cookies: req.headers.cookie ? parseCookies(req.headers.cookie) : {},
  };
  metas.set(req, meta);
  return meta;
}

/** The meta `readRequestMeta` stored for this request (the tRPC context reads it from there). */
export function requestMeta(req: http.IncomingMessage): RequestMeta {
  const meta = metas.get(req);
  if (!meta) throw new Error('request meta read before readRequestMeta');
  return meta;
}

function requestId(header: string | string[] | undefined) {
  return typeof header === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : crypto.randomUUID();
}
