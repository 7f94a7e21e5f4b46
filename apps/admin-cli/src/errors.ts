import { TRPCClientError } from '@trpc/client';

/** Exit codes, as gh has them. */
export const EXIT = {
  ok: 0,
  /** An API or runtime error. */
  error: 1,
  /** Bad arguments, a refused or declined confirmation. */
  usage: 2,
  /** Not signed in, or signed in but not allowed (the API's UNAUTHORIZED and FORBIDDEN). */
  auth: 4,
} as const;

/** Bad arguments found after parsing (a file that does not validate, a missing flag...). Exit code 2. */
export class UsageError extends Error {}

/** No API key and no saved session for this server: nothing to sign the request with. Exit code 4. */
export class NotSignedInError extends Error {}

/** What `run` knows about the call that failed, for the message and its hint. */
type Failure = { json?: boolean; url: string; apiKey?: string; isDefaultUrl: boolean };

/** Prints an API or runtime error (naming the tRPC code and appCode) and returns its exit code. */
export function reportError(error: unknown, failure: Failure): number {
  let message: string;
  let hint: string | undefined;
  let detail: Record<string, unknown> = {};
  let code: number = EXIT.error;
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as { code?: string; appCode?: string; httpStatus?: number };
    if (!data.code) {
      const cause = causeMessage(error);
      message = `cannot reach ${failure.url}: ${cause}`;
      detail = { code: 'NETWORK_ERROR' };
    } else {
      message = `${data.code}${data.appCode ? ` (${data.appCode})` : ''}: ${error.message}`;
      detail = { code: data.code, appCode: data.appCode, httpStatus: data.httpStatus };
      if (data.code === 'UNAUTHORIZED' || data.code === 'FORBIDDEN') code = EXIT.auth;
      // A wrong password needs no hint; a refused key or session does.
      if (data.code === 'UNAUTHORIZED' && data.appCode !== 'INVALID_CREDENTIALS') {
        hint = failure.apiKey
          ? 'the API key was refused: check --api-key or SKILLBYTES_API_KEY'
          : `sign in again: ${loginCommand(failure)}`;
      }
    }
  } else if (error instanceof NotSignedInError) {
    message = error.message;
    hint = `run ${loginCommand(failure)}, or pass an admin API key with --api-key (or SKILLBYTES_API_KEY)`;
    detail = { code: 'NOT_SIGNED_IN' };
    code = EXIT.auth;
  } else if (error instanceof UsageError) {
    message = error.message;
    code = EXIT.usage;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  if (failure.json) {
    process.stderr.write(`${JSON.stringify({ error: { message, ...detail, ...(hint ? { hint } : {}) } })}\n`);
  } else {
    process.stderr.write(`error: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
  }
  return code;
}

function loginCommand({ url, isDefaultUrl }: Failure) {
  return `skillbytes-admin ${isDefaultUrl ? '' : `--url ${url} `}login --email <your email>`;
}

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
