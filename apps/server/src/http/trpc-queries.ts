import type http from 'node:http';
import type { AppRouter, Context } from '@skillbytes/api';
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';

type QueryPathOptions = {
  router: AppRouter;
  createContext(opts: { req: http.IncomingMessage }): Context;
  responseMeta(opts: { ctx?: Context }): { headers?: Headers };
  onError(opts: { error: TRPCError; path: string | undefined }): void;
  maxBatchSize: number;
};

type Call = { path: string; input: unknown };
type Outcome = { result: { data: unknown } } | { error: ReturnType<typeof getTRPCErrorShape> };

/**
 * The lean path of the calls nearly all traffic is made of: GET queries, alone or batched, answered
 * as one JSON body. It runs the same procedures through `callTRPCProcedure` (every middleware,
 * validation, rate limit and error formatter), and answers the same status, headers and body as
 * tRPC's node adapter (test/trpc-queries.test.ts compares the two byte for byte). What it leaves out
 * is the adapter's round trip through the Fetch API: a `Request` with a copy of every header, three
 * URL parses, abort controllers and a `Response` piped through web streams, which cost more CPU than
 * the rest of a typical query put together (bench/README.md, "Where the time goes").
 *
 * It takes only requests it can answer exactly like tRPC does; for anything else (another method, a
 * streamed batch, an unknown or non-query procedure, input that is not JSON, an oversized batch) it
 * returns false before running anything, and tRPC's adapter answers, with its own refusals.
 */
export function createQueryPath({
  router,
  createContext,
  responseMeta,
  onError,
  maxBatchSize,
}: QueryPathOptions) {
  const config = router._def._config;
  // At run time `_def.procedures` is flat, keyed by the dotted path (typed as the nested record).
  const procedures = router._def.procedures as unknown as Record<string, { _def: { type: string } }>;

  /** The calls of a GET /trpc/... request, or undefined when tRPC's adapter must answer it. */
  function readCalls(req: http.IncomingMessage, url: URL): Call[] | undefined {
    if (req.headers['trpc-accept'] !== undefined || req.headers.accept?.includes('application/jsonl')) return;
    const { searchParams } = url;
    if (searchParams.has('connectionParams')) return;
    let joined: string;
    try {
      joined = decodeURIComponent(url.pathname.slice('/trpc/'.length));
    } catch {
      return;
    }
    const isBatch = searchParams.get('batch') === '1';
    const paths = isBatch ? joined.split(',') : [joined];
    if (paths.length > maxBatchSize) return;
    for (const path of paths) {
      if (!Object.hasOwn(procedures, path) || procedures[path]!._def.type !== 'query') return;
    }
    const raw = searchParams.get('input');
    let parsed: unknown;
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
      if (parsed === undefined) return paths.map((path) => ({ path, input: undefined }));
      const { deserialize } = config.transformer.input;
      if (!isBatch) return [{ path: joined, input: deserialize(parsed) }];
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      const inputs = parsed as Record<string, unknown>;
      return paths.map((path, index) => {
        const input = Object.hasOwn(inputs, index) ? inputs[index] : undefined;
        return { path, input: input === undefined ? undefined : deserialize(input) };
      });
    } catch {
      return;
    }
  }

  async function run(ctx: Context, { path, input }: Call, batchIndex: number): Promise<Outcome> {
    try {
      const data: unknown = await callTRPCProcedure({
        router,
        path,
        getRawInput: async () => input,
        ctx,
        type: 'query',
        signal: undefined,
        batchIndex,
      });
      if (isStreamLike(data)) {
        throw new TRPCError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
        });
      }
      return { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      onError({ error, path });
      return { error: getTRPCErrorShape({ config, error, type: 'query', path, input, ctx }) };
    }
  }

  /** Answers the request and returns true, or returns false (having done nothing) for tRPC's adapter. */
  return async function serveQueries(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<boolean> {
    const calls = readCalls(req, url);
    if (!calls) return false;
    const isBatch = url.searchParams.get('batch') === '1';
    const ctx = createContext({ req });
    const outcomes = await Promise.all(calls.map((call, index) => run(ctx, call, index)));
    const json = isBatch ? outcomes : outcomes[0]!;
    res.statusCode = getHTTPStatusCode(json);
    res.setHeader('content-type', 'application/json');
    res.setHeader('vary', 'trpc-accept, accept');
    const { headers } = responseMeta({ ctx });
    if (headers) {
      // As tRPC does: a procedure's header joins the two above (Headers.append), or replaces one set earlier.
      headers.forEach((value, name) => {
        if (name === 'set-cookie') return;
        const joined = name === 'content-type' || name === 'vary' ? res.getHeader(name) : undefined;
        res.setHeader(name, joined === undefined ? value : `${String(joined)}, ${value}`);
      });
      const cookies = headers.getSetCookie();
      if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    }
    res.end(JSON.stringify(transformTRPCResponse(config, json)));
    return true;
  };
}

/**
 * tRPC's test (`isDataStream`) for a result a plain JSON answer cannot carry: an async iterable, or an
 * object holding promises or async iterables.
 */
function isStreamLike(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  if (Symbol.asyncIterator in value) return true;
  return Object.values(value).some((v) => (isPlainObject(v) && Symbol.asyncIterator in v) || isThenable(v));
}

const isPlainObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isThenable = (value: unknown) =>
  (isPlainObject(value) || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function' &&
  typeof (value as { catch?: unknown }).catch === 'function';
