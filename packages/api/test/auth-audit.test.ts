import { Writable } from 'node:stream';
import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionHash } from '../src/auth/audit.ts';
import {
  captureResponse,
  GENEROUS_LIMITS,
  OTHER_PASSWORD,
  PASSWORD,
  signedIn,
  uniqueName,
  withBearer,
} from './auth-helpers.ts';
import { createTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
const logLines: string[] = [];
beforeAll(async () => {
  api = await createTestApi({ config: { rateLimits: GENEROUS_LIMITS } });
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  api.services.logger = pino({ level: 'trace' }, sink);
});
afterAll(() => api?.close());

const req = { ip: '192.0.2.10', userAgent: 'AuditTest/1.0' };

describe('audit trail', () => {
  it('records every auth event with actor, ip, user agent and a session hash, and never a secret', async () => {
    const secrets: string[] = [PASSWORD, OTHER_PASSWORD];
    const name = uniqueName('audit');
    const anon = api.anonymous({ req });
    const signed = await anon.auth.signup({
      email: `${name}@example.com`,
      username: name,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    secrets.push(signed.accessToken!, signed.refreshToken!, signed.refreshToken!.split('.')[1]!);
    const userId = signed.user.id;
    await anon.auth.login({ identifier: name, password: OTHER_PASSWORD }).catch(() => {});
    const login = signedIn(
      await anon.auth.login({ identifier: name, password: PASSWORD, tokenDelivery: 'body' }),
    );
    secrets.push(login.accessToken!, login.refreshToken!);
    const renewed = await anon.auth.refresh({ refreshToken: login.refreshToken!, tokenDelivery: 'body' });
    secrets.push(renewed.accessToken!, renewed.refreshToken!);
    await anon.auth.refresh({ refreshToken: login.refreshToken!, tokenDelivery: 'body' }).catch(() => {});
    const me = withBearer(api, signed.accessToken!, { req });
    await me.auth
      .changePassword({ currentPassword: OTHER_PASSWORD, newPassword: 'ochre glacier timpani 8' })
      .catch(() => {});
    const changed = await me.auth.changePassword({
      currentPassword: PASSWORD,
      newPassword: 'ochre glacier timpani 8',
      tokenDelivery: 'body',
    });
    secrets.push('ochre glacier timpani 8', changed.accessToken!, changed.refreshToken!);

    // An admin: role change, key create and revoke, and a deletion.
    await api.database.db.update(schema.users).set({ role: 'admin' }).where(eq(schema.users.id, userId));
    const admin = withBearer(api, changed.accessToken!, { req });
    const key = await admin.admin.apiKeys.create({ name: 'audit-key' });
    secrets.push(key.key, key.key.split('_').slice(2).join('_'));
    await withBearer(api, key.key, { req }).admin.users.list({});
    await admin.admin.apiKeys.revoke({ id: key.id });
    const other = await api.anonymous({ req }).auth.signup({
      email: `${uniqueName()}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    await admin.admin.users.setRole({ id: other.user.id, role: 'admin' });
    const second = withBearer(api, other.accessToken!, { req });
    await second.auth.logout().catch(() => {});
    const otherLogin = signedIn(
      await api
        .anonymous({ req })
        .auth.login({ identifier: other.user.email, password: PASSWORD, tokenDelivery: 'body' }),
    );
    await withBearer(api, otherLogin.accessToken!, { req }).auth.logout();
    await admin.auth.deleteAccount({ password: 'ochre glacier timpani 8' });

    const rows = await api.database.db.select().from(schema.auditLog);
    const mine = rows.filter((r) => r.actorUserId === userId || r.target === userId);
    const actions = new Set(mine.map((r) => r.action));
    for (const action of [
      'user_created',
      'authn_login_fail',
      'authn_login_success',
      'session_created',
      'session_renewed',
      'authn_token_reuse',
      'authn_password_change_fail',
      'authn_password_change',
      'authn_token_created',
      'authn_token_revoked',
      'authz_change',
      'user_deleted',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(rows.map((r) => r.action)).toContain('session_logout');

    const success = mine.find((r) => r.action === 'authn_login_success')!;
    expect(success).toMatchObject({ ip: req.ip, userAgent: req.userAgent, outcome: 'success' });
    const fail = mine.find((r) => r.action === 'authn_login_fail')!;
    expect(fail).toMatchObject({
      outcome: 'failure',
      target: userId,
      metadata: { reason: 'wrong_password' },
    });
    const created = mine.find((r) => r.action === 'session_created')!;
    expect(created.sessionHash).toBe(sessionHash(created.target!));
    expect(created.sessionHash).not.toContain(created.target!);
    const keyRow = mine.find((r) => r.action === 'authz_admin' && r.actorKeyId === key.id);
    expect(keyRow).toBeUndefined(); // list is a query: only mutations leave authz_admin rows
    expect(mine.find((r) => r.action === 'authn_token_created')?.metadata).toMatchObject({
      name: 'audit-key',
    });

    const everything = JSON.stringify(rows) + logLines.join('');
    for (const secret of secrets)
      expect(everything, 'a secret leaked into audit or logs').not.toContain(secret);
    // The log has one structured line per audit row.
    const logged = logLines.map((l) => JSON.parse(l) as { audit?: string }).filter((l) => l.audit);
    expect(logged.length).toBe(rows.length);
  });

  it('does not store what someone typed as an identifier for a failed login', async () => {
    const typed = `probably-a-password-${uniqueName()}`;
    await api
      .anonymous({ req })
      .auth.login({ identifier: typed, password: PASSWORD })
      .catch(() => {});
    const rows = await api.database.db.select().from(schema.auditLog);
    expect(JSON.stringify(rows)).not.toContain(typed);
    expect(logLines.join('')).not.toContain(typed);
    expect(rows.at(-1)).toMatchObject({
      action: 'authn_login_fail',
      target: null,
      metadata: { reason: 'unknown_identifier', identifierKind: 'username' },
    });
  });

  it('logs authorization failures', async () => {
    const user = await api.anonymous({ req }).auth.signup({
      email: `${uniqueName()}@example.com`,
      password: PASSWORD,
      tokenDelivery: 'body',
    });
    const { res } = captureResponse();
    await withBearer(api, user.accessToken!, { req, res })
      .admin.users.list({})
      .catch(() => {});
    const line = logLines
      .map((l) => JSON.parse(l) as { msg?: string; userId?: string; path?: string })
      .at(-1);
    expect(line).toMatchObject({ msg: 'authz_fail', userId: user.user.id, path: 'admin.users.list' });
  });
});
