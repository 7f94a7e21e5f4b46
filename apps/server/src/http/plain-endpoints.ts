import type http from 'node:http';
import type { Services } from '@skillbytes/api';
import { sendJson } from './send-json.ts';

const PLAIN_PATHS = ['/ping', '/health', '/ready', '/metrics'] as const;

type PlainPath = (typeof PLAIN_PATHS)[number];

export function isPlainPath(path: string): path is PlainPath {
  return (PLAIN_PATHS as readonly string[]).includes(path);
}

/** GET /ping, /health (alive) and /ready (the database answers within 2 s); /metrics is metrics-endpoint.ts. */
export async function servePlainEndpoint(
  path: Exclude<PlainPath, '/metrics'>,
  res: http.ServerResponse,
  { services }: { services: Services },
) {
  switch (path) {
    case '/ping':
      return sendJson(res, 200, { msg: 'pong' });
    case '/health':
      return sendJson(res, 200, { status: 'ok', uptimeSec: Math.round(process.uptime()) });
    case '/ready':
      try {
        await withTimeout(services.database.ping(), 2000);
        return sendJson(res, 200, { status: 'ready' });
      } catch {
        return sendJson(res, 503, { status: 'unavailable', reason: 'database unreachable' });
      }
  }
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
