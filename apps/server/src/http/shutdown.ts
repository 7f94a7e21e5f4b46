import type http from 'node:http';
import { sendJson } from './send-json.ts';

/**
 * Graceful shutdown: tracks the responses in flight; `shutdown` stops accepting, ends event streams,
 * lets the other requests finish (bounded), then closes every connection.
 */
export function createShutdown() {
  const active = new Map<http.ServerResponse, { isStream: boolean }>();
  let isShuttingDown = false;

  return {
    track(req: http.IncomingMessage, res: http.ServerResponse) {
      active.set(res, { isStream: req.headers.accept === 'text/event-stream' });
      res.once('close', () => active.delete(res));
    },

    /** Once shutting down, answers 503 (and closes the connection); returns whether it did. */
    refuseWhileShuttingDown(res: http.ServerResponse) {
      if (!isShuttingDown) return false;
      res.setHeader('connection', 'close');
      sendJson(res, 503, { error: 'shutting down' });
      return true;
    },

    async shutdown(server: http.Server, graceMs = 10_000) {
      isShuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const [res, info] of active) if (info.isStream) res.destroy();
      const deadline = Date.now() + graceMs;
      while ([...active.values()].some((a) => !a.isStream) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
