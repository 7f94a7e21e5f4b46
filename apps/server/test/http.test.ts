import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TrpcBody, trpcGet, trpcPost } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: 'http://app.example.com', BODY_LIMIT_KB: '4' });
});
afterAll(() => server?.close());

describe('plain endpoints', () => {
  it('GET /ping answers pong', async () => {
    const res = await fetch(`${server.url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ msg: 'pong' });
  });

  it('GET /health is alive and /ready checks the database', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('GET /metrics serves Prometheus text with request and procedure counts', async () => {
    await trpcGet(server.url, 'health.ping');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('http_requests_total');
    expect(text).toMatch(/trpc_procedure_calls_total\{path="health.ping",type="query",ok="true"\} \d+/);
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('sets security headers and a request id', async () => {
    const res = await fetch(`${server.url}/ping`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const generated = await fetch(`${server.url}/ping`, { headers: { 'x-request-id': 'bad id\twith junk' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown paths are 404 JSON', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
  });
});

describe('tRPC over HTTP', () => {
  it('serves health.ping under /trpc', async () => {
    const { res, body } = await trpcGet(server.url, 'health.ping');
    expect(res.status).toBe(200);
    expect(body.result?.data.json).toEqual({ msg: 'pong' });
  });

  it('errors carry an appCode and never a stack', async () => {
    const { res, body } = await trpcGet(server.url, 'no.such.procedure');
    expect(res.status).toBe(404);
    expect(body.error?.json.data.appCode).toBe('NOT_FOUND');
    expect(body.error?.json.data.stack).toBeUndefined();
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('malformed JSON is a 400 with an appCode, not a 500', async () => {
    const res = await fetch(`${server.url}/trpc/health.ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"json": ',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: { json: { data: { appCode: string; stack?: string } } } };
    expect(body.error.json.data.appCode).toBeTruthy();
    expect(body.error.json.data.stack).toBeUndefined();
  });

  it('an oversized body gets 413', async () => {
    const big = 'x'.repeat(8 * 1024);
    const { res, body } = await trpcPost(server.url, 'health.ping', { big });
    expect(res.status).toBe(413);
    expect(body.error?.json.data.appCode).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an oversized chunked body (no content-length) to auth.login gets 413', async () => {
    const chunk = new TextEncoder().encode(`"${'x'.repeat(1024)}",`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) {
          controller.enqueue(new TextEncoder().encode('{"json":{"identifier":"a","password":['));
        }
        if (sent >= 16) {
          controller.enqueue(new TextEncoder().encode('""]}}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += 1;
      },
    });
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { json: { data: { appCode: string } } } };
    expect(body.error.json.data.appCode).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an error the server writes itself reads like one tRPC wrote', async () => {
    const big = JSON.stringify({ json: { big: 'x'.repeat(8 * 1024) } });
    // With a content-length the server refuses before tRPC runs; chunked, tRPC's body limit does.
    const own = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    const body = new TextEncoder().encode(big);
    const trpcs = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(body);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(own.status).toBe(trpcs.status);
    for (const res of [own, trpcs]) expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    // tRPC names the one call it refused (data.path); the server refuses a whole request, which tRPC
    // itself answers without a path. Everything else, key order included, must be the same bytes.
    const comparable = async (res: Response) => {
      const parsed = JSON.parse(await res.text()) as TrpcBody;
      const error = parsed.error!.json as { message: string; data: Record<string, unknown> };
      error.message = '…';
      delete error.data.path;
      return JSON.stringify(parsed);
    };
    expect(await comparable(own)).toBe(await comparable(trpcs));
  });

  it('refuses non-JSON POSTs (form posts cannot reach mutations)', async () => {
    for (const type of [
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
    ]) {
      const res = await fetch(`${server.url}/trpc/health.ping`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'a',
      });
      expect(res.status).toBe(415);
    }
  });

  it('refuses a POST from a foreign origin', async () => {
    const { res, body } = await trpcPost(server.url, 'health.ping', null, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(body.error?.json.data.appCode).toBe('CSRF_REJECTED');
  });

  it('CORS echoes only allowlisted origins, with credentials', async () => {
    const allowed = await fetch(`${server.url}/trpc/health.ping`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('content-type');

    const other = await fetch(`${server.url}/trpc/health.ping`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com.evil.io', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('readiness', () => {
  it('/ready answers 503 when the database is gone', async () => {
    const other = await startTestServer();
    try {
      await other.services.database.close();
      const res = await fetch(`${other.url}/ready`);
      expect(res.status).toBe(503);
      expect((await fetch(`${other.url}/health`)).status).toBe(200);
    } finally {
      await other.close().catch(() => {});
    }
  });
});
