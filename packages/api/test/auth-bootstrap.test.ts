import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/auth/admins.ts';
import { GENEROUS_LIMITS, PASSWORD, signedIn, signUp } from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
});
afterAll(() => api?.close());

const logger = pino({ level: 'silent' });
/** What a server start passes: the database, its logger and the time. */
const startup = () => ({ db: api.database.db, logger, now: api.clock.now() });
const usersWithEmail = (email: string) =>
  api.database.db.select().from(schema.users).where(eq(schema.users.email, email));

describe('ADMIN_EMAIL / ADMIN_PASSWORD bootstrap', () => {
  it('creates the admin once; later starts change nothing, and it can log in', async () => {
    const admin = { email: ' Root@Example.com ', password: PASSWORD };
    expect(await ensureAdmin(startup(), admin)).toBe('created');
    expect(await ensureAdmin(startup(), admin)).toBe('unchanged');
    const rows = await usersWithEmail('root@example.com');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.role).toBe('admin');
    const me = signedIn(
      await api.anonymous().auth.login({ identifier: 'root@example.com', password: PASSWORD }),
    );
    expect(me.user.role).toBe('admin');
  });

  it('two processes starting at once do not fail and leave one account', async () => {
    const admin = { email: 'twins@example.com', password: PASSWORD };
    const results = await Promise.all([ensureAdmin(startup(), admin), ensureAdmin(startup(), admin)]);
    expect(results.sort()).toEqual(['created', 'unchanged']);
    expect(await usersWithEmail('twins@example.com')).toHaveLength(1);
  });

  it('makes an existing account admin (and undeletes it) without touching its password', async () => {
    const existing = await signUp(api);
    await api.database.db
      .update(schema.users)
      .set({ deletedAt: api.clock.now() })
      .where(eq(schema.users.id, existing.user.id));
    const outcome = await ensureAdmin(startup(), {
      email: existing.user.email,
      password: 'a completely different long passphrase',
    });
    expect(outcome).toBe('promoted');
    const [row] = await usersWithEmail(existing.user.email);
    expect(row).toMatchObject({ role: 'admin', deletedAt: null });
    signedIn(await api.anonymous().auth.login({ identifier: existing.user.email, password: PASSWORD }));
  });

  it('refuses a weak ADMIN_PASSWORD like any other password', async () => {
    await expect(
      ensureAdmin(startup(), { email: 'weak@example.com', password: 'admin1234' }),
    ).rejects.toThrow(/ADMIN_PASSWORD/);
    expect(await usersWithEmail('weak@example.com')).toHaveLength(0);
  });
});
