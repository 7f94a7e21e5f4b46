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
  type Services,
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
  /** A caller acting as this user (session pre-resolved, as the auth middleware would). */
  as(user: { id: string; role: Role }, extra?: Partial<Caller>): ReturnType<typeof createCaller>;
  /** Inserts a user directly (no password flow) and returns the row. */
  createUser(values?: Partial<typeof schema.users.$inferInsert>): Promise<typeof schema.users.$inferSelect>;
  close(): Promise<void>;
};

/** For tests that never run code: any use of the judge is a bug in the test. */
export const unusedJudge: Services['judge'] = {
  version: 'none',
  judge: () => Promise.reject(new Error('the judge is not used here')),
  checkChallenge: () => Promise.reject(new Error('the judge is not used here')),
  close: async () => {},
};

/** A fresh migrated database, the real services on it, and ways to call the router. One per test file. */
export async function createTestApi(
  opts: { config?: Partial<ApiConfig>; clock?: ReturnType<typeof testClock>; judge?: Services['judge'] } = {},
): Promise<TestApi> {
  const database = await createTestDatabase();
  const clock = opts.clock ?? testClock();
  const config = defaultApiConfig(opts.config);
  const services = await createServices({ database, config, clock, judge: opts.judge });
  let counter = 0;
  return {
    database,
    services,
    clock,
    anonymous: (ctxOpts = {}) => createCaller(createContextInner({ services, ...ctxOpts })),
    as: (user, extra = {}) =>
      createCaller(
        createContextInner({
          services,
          caller: {
            kind: 'session',
            userId: user.id,
            role: user.role,
            sessionId: randomUUID(),
            ...extra,
          } as Caller,
        }),
      ),
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
