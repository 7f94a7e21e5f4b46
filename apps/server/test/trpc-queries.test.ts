import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../src/http/app.ts';
import { createMetrics } from '../src/metrics.ts';
import { startTestServer, type TestServer, trpcPost } from './harness.ts';

/**
 * The lean path for GET queries (src/http/trpc-queries.ts) must answer exactly what tRPC's own adapter
 * answers. Both run here on the same services and database: the test server (lean path on) and a second
 * HTTP app with `leanQueries: false`. Every request goes to both; status, headers and body must match.
 */
let server: TestServer;
let referenceUrl: string;
let closeReference: () => Promise<void>;
let bearer: Record<string, string>;
let cookie: Record<string, string>;
/** A refresh cookie of a session that ended: auth.session answers null and expires both cookies. */
let deadCookie: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  const reference = createHttpApp({
    services: server.services,
    config: server.config,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
    leanQueries: false,
  });
  await new Promise<void>((resolve) => reference.server.listen(0, '127.0.0.1', resolve));
  referenceUrl = `http://127.0.0.1:${(reference.server.address() as AddressInfo).port}`;
  closeReference = () => reference.shutdown(1000);

  const name = `lean${randomUUID().slice(0, 8)}`;
  const password = 'vivid tundra marble kettle';
  const signed = await trpcPost(server.url, 'auth.signup', {
    email: `${name}@example.com`,
    password,
    username: name,
    tokenDelivery: 'body',
  });
  const { accessToken } = signed.body.result!.data.json as { accessToken: string };
  bearer = { authorization: `Bearer ${accessToken}` };
  const browser = await trpcPost(
    server.url,
    'auth.login',
    { identifier: `${name}@example.com`, password },
    { origin: server.url },
  );
  const jar = Object.fromEntries(
    browser.res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]),
  );
  cookie = { cookie: `sb_at=${jar.sb_at}` };
  const ended = await trpcPost(
    server.url,
    'auth.login',
    { identifier: `${name}@example.com`, password },
    { origin: server.url },
  );
  const endedJar = Object.fromEntries(
    ended.res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]),
  );
  await trpcPost(server.url, 'auth.logout', {}, { origin: server.url, cookie: `sb_rt=${endedJar.sb_rt}` });
  deadCookie = { cookie: `sb_rt=${endedJar.sb_rt}` };
});

afterAll(async () => {
  await closeReference?.();
  await server?.close();
});

/** Headers that differ between any two responses (the instant, the request id) or only in framing. */
const UNCOMPARED = new Set([
  'date',
  'x-request-id',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
]);

async function answer(base: string, path: string, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { headers });
  const compared = [...res.headers].filter(([name]) => !UNCOMPARED.has(name));
  return {
    status: res.status,
    headers: Object.fromEntries(compared),
    setCookie: res.headers.getSetCookie().map((c) => c.replace(/Expires=[^;]*/, '')),
    body: await res.text(),
    /** The lean path writes its body at once (content-length); tRPC's adapter streams it (chunked). */
    lean: res.headers.has('content-length') && !res.headers.has('transfer-encoding'),
  };
}

const q = (input: unknown) => `input=${encodeURIComponent(JSON.stringify(input))}`;
const one = (procedure: string, input?: unknown) =>
  input === undefined ? `/trpc/${procedure}` : `/trpc/${procedure}?${q({ json: input })}`;
const batch = (procedures: string[], inputs: Record<number, unknown> = {}) => {
  const json = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { json: v }]));
  return `/trpc/${procedures.join(',')}?batch=1&${q(json)}`;
};

type Case = [
  label: string,
  path: () => string,
  headers: () => Record<string, string>,
  expected: { status: number; lean: boolean },
];

const none = () => ({});
const withBearer = () => bearer;

const cases: Case[] = [
  ['auth.me with a bearer token', () => one('auth.me'), withBearer, { status: 200, lean: true }],
  ['auth.me with the access cookie', () => one('auth.me'), () => cookie, { status: 200, lean: true }],
  ['auth.me signed out', () => one('auth.me'), none, { status: 401, lean: true }],
  [
    'auth.me with a forged token',
    () => one('auth.me'),
    () => ({ authorization: 'Bearer a.b.c' }),
    { status: 401, lean: true },
  ],
  ['auth.session signed out (null)', () => one('auth.session'), none, { status: 200, lean: true }],
  [
    'auth.session with a dead refresh cookie (expires the cookies)',
    () => one('auth.session'),
    () => deadCookie,
    { status: 200, lean: true },
  ],
  ['challenges.daily', () => one('challenges.daily'), withBearer, { status: 200, lean: true }],
  [
    'leaderboard.top all',
    () => one('leaderboard.top', { window: 'all', limit: 20 }),
    withBearer,
    { status: 200, lean: true },
  ],
  [
    'leaderboard.me week',
    () => one('leaderboard.me', { window: 'week' }),
    withBearer,
    { status: 200, lean: true },
  ],
  [
    'leaderboard.top with a window that does not exist',
    () => one('leaderboard.top', { window: 'year' }),
    withBearer,
    { status: 400, lean: true },
  ],
  [
    'inbox.list with a forged cursor',
    () => one('inbox.list', { cursor: 'bm90LWEtY3Vyc29y' }),
    withBearer,
    { status: 400, lean: true },
  ],
  [
    'challenges.byId with a NUL in the id',
    () => one('challenges.byId', { id: 'a\u0000b' }),
    withBearer,
    { status: 400, lean: true },
  ],
  [
    'challenges.byId with a lone surrogate',
    () => `/trpc/challenges.byId?input=${encodeURIComponent('{"json":{"id":"\\ud800"}}')}`,
    withBearer,
    { status: 400, lean: true },
  ],
  ['health.ping with no input', () => one('health.ping'), none, { status: 200, lean: true }],
  [
    'a batch of two queries',
    () => batch(['auth.me', 'inbox.unreadCount']),
    withBearer,
    { status: 200, lean: true },
  ],
  [
    'a batch with one failing call (207)',
    () => batch(['auth.me', 'leaderboard.top'], { 1: { window: 'year' } }),
    withBearer,
    { status: 207, lean: true },
  ],
  [
    'a batch of calls that all fail alike (401)',
    () => batch(['auth.me', 'inbox.unreadCount']),
    none,
    { status: 401, lean: true },
  ],
  // Everything below is tRPC's adapter's to answer: the lean path steps aside before running anything.
  ['an unknown procedure', () => one('auth.nope'), withBearer, { status: 404, lean: false }],
  ['a mutation over GET', () => one('auth.logout'), withBearer, { status: 405, lean: false }],
  [
    'a subscription in a batch',
    () => batch(['auth.me', 'inbox.onMessage']),
    withBearer,
    { status: 400, lean: false },
  ],
  [
    'input that is not JSON',
    () => '/trpc/leaderboard.top?input=%7Bnot-json',
    withBearer,
    { status: 400, lean: false },
  ],
  [
    'a batch whose input is an array',
    () => `/trpc/leaderboard.top?batch=1&${q([{ json: { window: 'all' } }])}`,
    withBearer,
    { status: 400, lean: false },
  ],
  [
    'a batch over the limit',
    () => batch(Array.from({ length: 21 }, () => 'health.ping')),
    none,
    { status: 400, lean: false },
  ],
  [
    'a path with broken percent-encoding',
    () => '/trpc/auth.me%E0%A4%A',
    withBearer,
    { status: 400, lean: false },
  ],
  [
    'a streamed batch (jsonl)',
    () => batch(['auth.me']),
    () => ({ ...bearer, 'trpc-accept': 'application/jsonl' }),
    { status: 200, lean: false },
  ],
  [
    'prototype names as procedures',
    () => batch(['constructor', '__proto__']),
    none,
    { status: 404, lean: false },
  ],
];

describe('GET queries: the lean path answers what tRPC answers', () => {
  it.each(cases)('%s', async (_label, path, headers, expected) => {
    const [lean, trpc] = await Promise.all([
      answer(server.url, path(), headers()),
      answer(referenceUrl, path(), headers()),
    ]);
    expect(lean.status).toBe(expected.status);
    expect(lean.lean).toBe(expected.lean);
    expect(trpc.lean).toBe(false);
    expect({ ...lean, lean: undefined }).toEqual({ ...trpc, lean: undefined });
    expect(lean.body).not.toMatch(/"stack"/);
  });

  it('deeply nested input is refused, not a crash', async () => {
    const deep = `${'['.repeat(2000)}${']'.repeat(2000)}`;
    const path = `/trpc/leaderboard.top?input=${encodeURIComponent(`{"json":${deep}}`)}`;
    const [lean, trpc] = await Promise.all([
      answer(server.url, path, bearer),
      answer(referenceUrl, path, bearer),
    ]);
    expect(lean.status).toBe(400);
    expect({ ...lean, lean: undefined }).toEqual({ ...trpc, lean: undefined });
  });

  it('many concurrent queries of several users each get their own answer', async () => {
    const paths = Array.from({ length: 60 }, (_, i) =>
      i % 2 ? one('auth.me') : batch(['auth.me', 'auth.me']),
    );
    const answers = await Promise.all(paths.map((p, i) => answer(server.url, p, i % 3 === 0 ? {} : bearer)));
    for (const [i, a] of answers.entries()) {
      const signedIn = i % 3 !== 0;
      expect(a.status, a.body).toBe(signedIn ? 200 : 401);
      if (signedIn) expect(a.body).toContain('"username"');
    }
  });
});
