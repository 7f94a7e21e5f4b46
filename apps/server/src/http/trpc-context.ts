import type http from 'node:http';
import { type Context, createContextInner, type ResponseControl, type Services } from '@skillbytes/api';
import type { cookieNames } from '@skillbytes/api/cookies';
import { requestMeta } from './request-meta.ts';

/**
 * The outer tRPC context: reads the credentials (bearer, our cookies) and request facts, and hands
 * them to the API's `createContextInner`. Headers and cookies a procedure sets are collected per
 * context and written by `responseMeta`.
 */
export function createTrpcContext(services: Services, names: ReturnType<typeof cookieNames>) {
  const collected = new WeakMap<ResponseControl, Headers>();
  return {
    createContext({ req }: { req: http.IncomingMessage }): Context {
      const meta = requestMeta(req);
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
    responseMeta({ ctx }: { ctx?: Context }) {
      const headers = ctx ? collected.get(ctx.res) : undefined;
      return headers ? { headers } : {};
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header (at most 512 characters), else undefined. */
export function parseBearer(header: string | undefined) {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  return match?.[1];
}
