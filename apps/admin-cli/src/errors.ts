import { TRPCClientError } from '@trpc/client';

/** Prints an API or runtime error (naming the tRPC code and appCode) and returns the exit code, 1. */
export function reportError(error: unknown, options: { json?: boolean; url: string }): number {
  let message: string;
  let detail: Record<string, unknown> = {};
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as { code?: string; appCode?: string; httpStatus?: number };
    if (!data.code) {
      const cause = causeMessage(error);
      message = `cannot reach ${options.url}: ${cause}`;
      detail = { code: 'NETWORK_ERROR' };
    } else {
      message = `${data.code}${data.appCode ? ` (${data.appCode})` : ''}: ${error.message}`;
      detail = { code: data.code, appCode: data.appCode, httpStatus: data.httpStatus };
    }
  } else if (error instanceof UsageError) {
    message = error.message;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  if (options.json) process.stderr.write(`${JSON.stringify({ error: { message, ...detail } })}\n`);
  else process.stderr.write(`error: ${message}\n`);
  return error instanceof UsageError ? 2 : 1;
}

/** Bad arguments found after parsing (a file that does not validate, a missing flag...). Exit code 2. */
export class UsageError extends Error {}

function causeMessage(error: Error): string {
  let e: unknown = error.cause;
  const parts: string[] = [];
  for (let i = 0; e && i < 4; i++) {
    const c = e as { code?: string; message?: string; cause?: unknown };
    if (c.code) parts.push(c.code);
    else if (c.message) parts.push(c.message);
    e = c.cause;
  }
  return parts.join(', ') || error.message;
}
