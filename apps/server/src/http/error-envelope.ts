import type http from 'node:http';
import { APP_ERRORS, type AppCode } from '@skillbytes/shared';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import { sendJson } from './send-json.ts';

/**
 * An error the server refuses a request with before tRPC sees it (CSRF, content type, body size), in
 * the shape, key order and superjson envelope of the API's own errors (its error formatter adds
 * `data.appCode` after tRPC's `code` and `httpStatus`), with tRPC's own code and status tables, so
 * typed clients read it like any other.
 */
export function sendTrpcError(res: http.ServerResponse, appCode: AppCode, message: string) {
  const code = APP_ERRORS[appCode];
  const httpStatus = getHTTPStatusCodeFromError(new TRPCError({ code, message }));
  const shape = {
    message,
    code: TRPC_ERROR_CODES_BY_KEY[code],
    data: { code, httpStatus, appCode },
  };
  sendJson(res, httpStatus, { error: superjson.serialize(shape) });
}
