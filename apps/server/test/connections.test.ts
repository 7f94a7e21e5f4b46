import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, trpcPost } from './harness.ts';

const PASSWORD = 'vivid tundra marble kettle';

/** A raw TCP connection to the server, with what it received and when it was closed. */
function rawSocket(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    received += d;
  });
  socket.on('error', () => {});
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  return {
    socket,
    connected,
    closed,
    get received() {
      return received;
    },
  };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);

/** Tries `GET /ping` on a fresh socket until one is answered (room freed a moment ago); what came back. */
async function pingOnceRoom(port: number): Promise<string> {
  let answered = '';
  for (let i = 0; i < 50 && !answered.includes('pong'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    const next = rawSocket(port);
    next.socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await within(next.closed, 2000);
    answered = next.received;
  }
  return answered;
}

describe('slow and excess connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_MAX_CONNECTIONS: '4',
      SEED_STARTER_POOL: 'false',
    });
  }, 120_000);
  afterAll(() => server?.close());

  it('closes a connection that trickles its headers soon after the headers timeout', async () => {
    const raw = rawSocket(server.port);
    await raw.connected;
    const start = performance.now();
    raw.socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n');
    const trickle = setInterval(() => raw.socket.write('X-Slow: 1\r\n'), 100);
    try {
      const closedAt = await within(raw.closed, 15_000);
      expect(closedAt, 'the connection was still open after 15 s').not.toBe('timeout');
      const livedMs = (closedAt as number) - start;
      // headersTimeout (1 s) plus at most one check interval (1 s), with a wide margin for a busy machine.
      expect(livedMs).toBeGreaterThanOrEqual(900);
      expect(livedMs).toBeLessThan(6000);
      expect(raw.received).not.toContain('pong');
    } finally {
      clearInterval(trickle);
      raw.socket.destroy();
    }
  }, 20_000);

  it('refuses connections beyond HTTP_MAX_CONNECTIONS; closing one makes room', async () => {
    // Four kept-alive connections that finished a request: idle, so the headers timeout leaves them be.
    const held = Array.from({ length: 4 }, () => rawSocket(server.port));
    for (const h of held) {
      await h.connected;
      h.socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
    }
    const deadline = Date.now() + 5000;
    while (!held.every((h) => h.received.includes('pong')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(held.map((h) => h.received.includes('pong'))).toEqual([true, true, true, true]);

    const extra = rawSocket(server.port);
    extra.socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await within(extra.closed, 3000)).not.toBe('timeout');
    expect(extra.received).toBe('');

    held[0]!.socket.destroy();
    expect(await pingOnceRoom(server.port)).toContain('pong');
    for (const h of held) h.socket.destroy();
  }, 20_000);
});

describe('connections per client address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ HTTP_MAX_CONNECTIONS_PER_IP: '3', SEED_STARTER_POOL: 'false' });
  }, 120_000);
  afterAll(() => server?.close());

  it('closes a socket beyond HTTP_MAX_CONNECTIONS_PER_IP at once, and one closing makes room', async () => {
    const held = Array.from({ length: 3 }, () => rawSocket(server.port));
    for (const h of held) await h.connected;
    const extra = rawSocket(server.port);
    extra.socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await within(extra.closed, 3000)).not.toBe('timeout');
    expect(extra.received).toBe('');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    expect(await pingOnceRoom(server.port)).toContain('pong');
    for (const h of held) h.socket.destroy();
  }, 20_000);
});

describe('live streams over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      STREAMS_PER_USER: '2',
      STREAMS_PER_PROCESS: '3',
      SEED_STARTER_POOL: 'false',
    });
  }, 120_000);
  afterAll(() => server?.close());

  let n = 0;
  async function signup() {
    const name = `st${Date.now().toString(36)}${++n}`;
    const { body } = await trpcPost(server.url, 'auth.signup', {
      email: `${name}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    return (body.result!.data.json as { accessToken: string }).accessToken;
  }

  /** An SSE subscription as a client opens it; `text` is what arrived so far. */
  async function openStream(token: string, procedure = 'inbox.onMessage') {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/trpc/${procedure}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    let text = '';
    const reader = res.body!.getReader();
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      } catch {}
    })();
    const until = async (what: string) => {
      const deadline = Date.now() + 5000;
      while (!text.includes(what) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return text;
    };
    return {
      status: res.status,
      until,
      close: async () => {
        controller.abort();
        await reading;
      },
    };
  }

  const openCount = async (expected: number) => {
    const deadline = Date.now() + 5000;
    while (server.services.streams.open !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return server.services.streams.open;
  };

  it('refuses the N+1th stream of a user with TOO_MANY_REQUESTS / TOO_MANY_STREAMS; closing one lets a new one in', async () => {
    const token = await signup();
    const first = await openStream(token);
    const second = await openStream(token, 'leaderboard.onChange');
    for (const s of [first, second]) expect(await s.until('connected')).not.toContain('serialized-error');
    expect(await openCount(2)).toBe(2);

    const refused = await openStream(token);
    const text = await refused.until('TOO_MANY_STREAMS');
    expect(text).toContain('serialized-error');
    expect(text).toContain('"code":"TOO_MANY_REQUESTS"');
    expect(text).toContain('"httpStatus":429');
    await refused.close();

    await first.close();
    expect(await openCount(1)).toBe(1);
    const third = await openStream(token);
    expect(await third.until('connected')).not.toContain('serialized-error');
    expect(await openCount(2)).toBe(2);
    await Promise.all([second.close(), third.close()]);
    expect(await openCount(0)).toBe(0);
  });

  it('past the per-process cap another user is refused too, until a stream ends', async () => {
    const [alice, bob] = [await signup(), await signup()];
    const held = [await openStream(alice), await openStream(alice), await openStream(bob)];
    expect(await openCount(3)).toBe(3);
    const refused = await openStream(bob);
    expect(await refused.until('TOO_MANY_STREAMS')).toContain('serialized-error');
    await refused.close();
    await held[0]!.close();
    expect(await openCount(2)).toBe(2);
    const admitted = await openStream(bob);
    expect(await admitted.until('connected')).not.toContain('serialized-error');
    await Promise.all([...held.slice(1), admitted].map((s) => s.close()));
    expect(await openCount(0)).toBe(0);
  });
});
