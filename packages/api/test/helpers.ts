import { randomUUID } from 'node:crypto';
import { type DatabaseHandle, schema } from '@skillbytes/db';
import { createTestDatabase } from '@skillbytes/db/testing';
import type { Role } from '@skillbytes/shared';
import type { ApiConfig } from '../src/config.ts';
import { defaultApiConfig } from '../src/config.ts';
import {
  type Caller,
  type Clock,
  type CreateContextInnerOptions,
  createContextInner,
  type Service,
  type ServiceContext,
  type Services,
  serviceContext,
} from '../src/context.ts';
import { createServices } from '../src/services.ts';
import { appRouter } from '../src/root.ts';
import { createCallerFactory } from '../src/trpc.ts';

const createCaller = createCallerFactory(appRouter);

/** A clock tests can set and move. */
export function testClock(start = new Date('2026-03-02T12:00:00Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set(d: Date | string) {
      now = new Date(d).getTime();
    },
    advance(ms: number) {
      now += ms;
    },
  } satisfies Clock & Record<string, unknown>;
}

export type TestApi = {
  database: DatabaseHandle;
  services: Services;
  clock: ReturnType<typeof testClock>;
  /** A caller with no credentials. */
  anonymous(opts?: Omit<CreateContextInnerOptions, 'services'>): ReturnType<typeof createCaller>;
  /** The service context a domain function gets, for this user (or nobody), as a procedure builds it. */
  service(): ServiceContext;
  service(user: { id: string; role: Role }): Service;
  /** A caller acting as this user (session pre-resolved, as the auth middleware would). */
  as(user: { id: string; role: Role }, extra?: Partial<Caller>): ReturnType<typeof createCaller>;
  /** Inserts a user directly (no password flow) and returns the row. */
  createUser(values?: Partial<typeof schema.users.$inferInsert>): Promise<typeof schema.users.$inferSelect>;
  close(): Promise<void>;
};

/** The signing key of every test config; not a default of the API, so no deployment can end up with it. */
const TEST_JWT_KEYS: ApiConfig['jwtKeys'] = [
  { kid: 'k1', secret: new TextEncoder().encode('test-secret-that-is-at-least-32-bytes-long!') },
];

/** The TOTP-secret key of every test config (32 bytes); like the signing key, never a default. */
const TEST_MFA_KEY = new Uint8Array(32).fill(7);

/** For tests that never run code: any use of the judge is a bug in the test. */
export const unusedJudge: Services['judge'] = {
  version: 'none',
  judge: () => Promise.reject(new Error('the judge is not used here')),
  checkChallenge: () => Promise.reject(new Error('the judge is not used here')),
  close: async () => {},
};

/** A signed-in session of this user, as the auth middleware resolves it. */
function sessionCaller(user: { id: string; role: Role }): Caller {
  return { kind: 'session', userId: user.id, role: user.role, sessionId: randomUUID() };
}

/** A fresh migrated database, the real services on it, and ways to call the router. One per test file. */
export async function createTestApi(
  opts: { config?: Partial<ApiConfig>; clock?: ReturnType<typeof testClock>; judge?: Services['judge'] } = {},
): Promise<TestApi> {
  const database = await createTestDatabase();
  const clock = opts.clock ?? testClock();
  const config = defaultApiConfig({
    jwtKeys: TEST_JWT_KEYS,
    mfaEncryptionKey: TEST_MFA_KEY,
    ...opts.config,
  });
  const services = await createServices({ database, config, clock, judge: opts.judge });
  let counter = 0;
  return {
    database,
    services,
    clock,
    anonymous: (ctxOpts = {}) => createCaller(createContextInner({ services, ...ctxOpts })),
    service: ((user?: { id: string; role: Role }) => {
      const caller = user ? sessionCaller(user) : null;
      return serviceContext(createContextInner({ services, caller }), caller);
    }) as TestApi['service'],
    as: (user, extra = {}) =>
      createCaller(createContextInner({ services, caller: { ...sessionCaller(user), ...extra } as Caller })),
    async createUser(values = {}) {
      counter += 1;
      const suffix = `${Date.now().toString(36)}${counter}`;
      const [row] = await database.db
        .insert(schema.users)
        .values({
          email: `user${suffix}@example.com`,
          username: `user_${suffix}`,
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$invalidinvalidinvalidinvalidinvalidinval',
          createdAt: clock.now(),
          ...values,
        })
        .returning();
      return row!;
    },
    async close() {
      await services.close();
      await database.close();
    },
  };
}

/**
 * Runs `fn` and counts the statements it sent through `database`'s driver client (pool or PGlite):
 * round trips, whatever the driver. Nothing else may use the database meanwhile.
 */
export async function countStatements<T>(
  database: DatabaseHandle,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: number }> {
  const client = (database.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }).$client;
  const query = client.query;
  let statements = 0;
  // An own property over the prototype's method, deleted afterwards.
  client.query = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return query.apply(this, args);
  };
  try {
    return { result: await fn(), statements };
  } finally {
    delete (client as { query?: unknown }).query;
    if (client.query !== query) client.query = query;
  }
}
