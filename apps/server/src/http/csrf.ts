import type http from 'node:http';
import type { AppCode } from '@skillbytes/shared';
import type { RequestMeta } from './request-meta.ts';

type MutationPolicy = {
  /** The server's own origin; without it, `http://` + the Host header. */
  publicOrigin: string | undefined;
  corsOrigins: string[];
  /** Our cookie names: a request carrying any of them must name an origin we allow. */
  cookieNames: Record<string, string>;
};

/**
 * CSRF and content-type rules for every POST under /trpc. tRPC itself accepts multipart/form-data
 * and octet-stream mutations, which a cross-site form can send without a preflight: only JSON passes.
 * A request that names a foreign origin is refused; one that carries our cookies must name ours.
 */
export function checkMutationRequest(
  req: http.IncomingMessage,
  meta: RequestMeta,
  policy: MutationPolicy,
): { appCode: AppCode; message: string } | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return { appCode: 'UNSUPPORTED_MEDIA_TYPE', message: 'Requests must be application/json' };
  }
  const isAllowed = (o: string) =>
    o === ownOrigin(req, policy.publicOrigin) || policy.corsOrigins.includes(o);
  const origin = req.headers.origin ?? refererOrigin(req.headers.referer);
  if (origin !== undefined && !isAllowed(origin)) {
    return { appCode: 'CSRF_REJECTED', message: 'Cross-site request refused' };
  }
  if (hasOurCookie(meta, policy.cookieNames)) {
    if (origin === undefined) return { appCode: 'CSRF_REJECTED', message: 'Cross-site request refused' };
    if (req.headers['sec-fetch-site'] === 'cross-site' && !isAllowed(origin)) {
      return { appCode: 'CSRF_REJECTED', message: 'Cross-site request refused' };
    }
  }
  return undefined;
}

/** Any of our cookies, as the `cookie` parser (the one authentication uses) reads the header. */
function hasOurCookie({ cookies }: RequestMeta, names: Record<string, string>) {
  return Object.values(names).some((name) => cookies[name] !== undefined);
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
