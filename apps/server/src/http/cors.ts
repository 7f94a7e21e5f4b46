import type http from 'node:http';

/** CORS for the allowlisted origins only (`CORS_ORIGINS`), with credentials: any other origin gets no CORS headers. */
export function applyCors(req: http.IncomingMessage, res: http.ServerResponse, corsOrigins: string[]) {
  const origin = req.headers.origin;
  if (origin && corsOrigins.includes(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
  }
  res.setHeader('vary', 'Origin');
}

/** Answers an OPTIONS request: 204, with the preflight headers for an allowlisted origin. */
export function answerPreflight(req: http.IncomingMessage, res: http.ServerResponse, corsOrigins: string[]) {
  const origin = req.headers.origin;
  if (origin && corsOrigins.includes(origin)) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader(
      'access-control-allow-headers',
      'content-type, authorization, trpc-accept, x-request-id, last-event-id',
    );
    res.setHeader('access-control-max-age', '600');
  }
  res.statusCode = 204;
  res.end();
}
