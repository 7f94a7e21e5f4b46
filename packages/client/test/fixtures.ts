import { testClock } from '@skillbytes/api/testing';
import { startTestServer, type TestServer } from '@skillbytes/server/testing';
import { EventSource } from 'eventsource';
import { createClient, type ClientOptions, type FetchLike, memoryTokens } from '../src/index.ts';

export const ADMIN = { email: 'admin@example.com', password: 'Tr0ub4dor&3-horse-staple-client' };
const PASSWORD = 'vivid tundra marble kettle';
export const MINUTE = 60_000;

/** The real server in this process, on a clock the test moves (access tokens live 15 minutes). */
export async function startServer() {
  const clock = testClock(new Date());
  let server: TestServer = await startTestServer(
    {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SEED_STARTER_POOL: 'false',
      SIGNUPS_PER_IP_PER_HOUR: '10000',
    },
    { clock },
  );
  return {
    clock,
    get url() {
      return server.url;
    },
    get services() {
      return server.services;
    },
    /** Stops the server and starts it again on the same database and port. */
    async restart() {
      server = await server.restart();
    },
    close: () => server.close(),
  };
}

/** Requests as the server saw them: `refreshes` counts auth.refresh calls. */
type Traffic = { refreshes: number; calls: string[] };

/** Counts what goes over the wire through `fetch`. */
function counted(fetch: FetchLike, traffic: Traffic): FetchLike {
  return (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const procedures = url.pathname.replace(/^\/trpc\//, '').split(',');
    for (const p of procedures) {
      traffic.calls.push(p);
      if (p === 'auth.refresh') traffic.refreshes += 1;
    }
    return fetch(input, init);
  };
}

/**
 * What a browser does with cookies, for one site: keeps what Set-Cookie says (Max-Age=0 deletes),
 * sends them back, and names its origin. Tabs of one browser share a jar (and so its `fetch`, which
 * is what tells the client that they share a session).
 */
export function cookieJar(origin: () => string) {
  const cookies = new Map<string, string>();
  const traffic: Traffic = { refreshes: 0, calls: [] };
  /** While closed, event-stream connections wait (to send events while a subscriber is away). */
  let gate: Promise<void> = Promise.resolve();
  let openGate = () => {};
  const send: FetchLike = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.get('accept') === 'text/event-stream') await gate;
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    headers.set('origin', origin());
    const res = await globalThis.fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/max-age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  return {
    cookies,
    traffic,
    fetch: counted(send, traffic),
    closeGate() {
      gate = new Promise((resolve) => {
        openGate = resolve;
      });
    },
    openGate: () => openGate(),
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** A browser tab: cookie mode through `jar` (what goes over the wire is counted in `jar.traffic`). */
export function browserClient(
  server: Server,
  jar: ReturnType<typeof cookieJar>,
  extra: Partial<ClientOptions> = {},
) {
  const client = createClient({ url: server.url, fetch: jar.fetch, EventSource, ...extra });
  return { client, traffic: jar.traffic };
}

/** A Node program: Bearer mode, its token pair in memory. */
export function nodeClient(server: Server, extra: Partial<ClientOptions> = {}) {
  const traffic: Traffic = { refreshes: 0, calls: [] };
  const tokens = memoryTokens();
  const fetch = extra.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const client = createClient({
    url: server.url,
    tokens,
    EventSource,
    ...extra,
    fetch: counted(fetch, traffic),
  });
  return { client, traffic, tokens };
}

let accounts = 0;
export function newAccount() {
  accounts += 1;
  const name = `c${Date.now().toString(36)}${accounts}`;
  return { email: `${name}@example.com`, username: name, password: PASSWORD };
}

/** Waits until `predicate` holds (polling), or fails saying what it waited for. */
export async function until(predicate: () => boolean, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
