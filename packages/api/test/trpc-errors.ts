import { TRPCError } from '@trpc/server';
// The same shaping the HTTP adapters apply to every error response; tRPC exports it from here only.
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { expect } from 'vitest';
import { appRouter } from '../src/root.ts';

/** `error.data` as a client receives it: produced by the real error formatter (trpc.ts). */
export function errorDataOf(error: TRPCError): {
  code: TRPCError['code'];
  httpStatus: number;
  appCode: string;
  details?: Record<string, unknown>;
  zodIssues?: unknown;
} {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error,
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  return shape.data as ReturnType<typeof errorDataOf>;
}

/** The `data.appCode` a client would read. */
export function appCodeOf(error: TRPCError): string {
  return errorDataOf(error).appCode;
}

/**
 * Asserts that `promise` rejects the way a client would see it: this tRPC code and (when given) this
 * appCode, read through the real error formatter. Returns the error for more checks.
 */
export async function expectTrpcError(
  promise: Promise<unknown>,
  code: TRPCError['code'],
  appCode?: string,
): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}${appCode ? `/${appCode}` : ''}, got success`).toBeInstanceOf(TRPCError);
  const e = error as TRPCError;
  const data = errorDataOf(e);
  expect({ code: data.code, ...(appCode ? { appCode: data.appCode } : {}) }).toEqual({
    code,
    ...(appCode ? { appCode } : {}),
  });
  return e;
}
