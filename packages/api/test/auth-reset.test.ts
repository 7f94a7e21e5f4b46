import type { AddressInfo } from 'node:net';
import { schema } from '@skillbytes/db';
import { and, eq, isNull } from 'drizzle-orm';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/auth/tokens.ts';
import type { ApiConfig } from '../src/config.ts';
import { type CreateContextInnerOptions, createContextInner } from '../src/context.ts';
import { appRouter } from '../src/root.ts';
import { createCallerFactory } from '../src/trpc.ts';
import {
  expectError,
  GENEROUS_LIMITS,
  OTHER_PASSWORD,
  PASSWORD,
  signedIn,
  signUp,
  uniqueName,
  withBearer,
} from './auth-helpers.ts';
import { countStatements, createTestApi, type TestApi } from './helpers.ts';

const createCaller = createCallerFactory(appRouter);
const MINUTE = 60_000;
const NEW_PASSWORD = 'copper walrus orbit 4417';
const PUBLIC_URL = 'https://app.skillbytes.test/sb';

/** A real SMTP server on an ephemeral port that requires the URL's credentials; every mail parsed. */
const mails: ParsedMail[] = [];
let waiters: (() => void)[] = [];
const smtp = new SMTPServer({
  authOptional: false,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.username === 'mailer' && auth.password === 's3cret pass') callback(null, { user: 'mailer' });
    else callback(new Error('Invalid username or password'));
  },
  onData(stream, _session, callback) {
    simpleParser(stream).then(
      (mail) => {
        mails.push(mail);
        for (const w of waiters) w();
        waiters = [];
        callback();
      },
      (error: Error) => callback(error),
    );
  },
});

/** Resolves once `count` mails in all have arrived. */
function mailCount(count: number): Promise<void> {
  if (mails.length >= count) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => (mails.length >= count ? resolve() : waiters.push(check));
    waiters.push(check);
  });
}

let api: TestApi;
let mailConfig: NonNullable<ApiConfig['mail']>;
beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  mailConfig = {
    smtpUrl: `smtp://mailer:${encodeURIComponent('s3cret pass')}@127.0.0.1:${port}`,
    from: 'Skill Bytes <noreply@skillbytes.test>',
  };
  api = await createTestApi({
    config: {
      publicUrl: PUBLIC_URL,
      mail: mailConfig,
      rateLimits: {
        ...GENEROUS_LIMITS,
        resetPerIp: { limit: 1000, windowSec: 3600 },
        resetRequestPerIp: { limit: 1000, windowSec: 3600 },
        resetRequestPerAddress: { limit: 1000, windowSec: 3600 },
      },
    },
  });
});
afterAll(async () => {
  await api?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

/** An anonymous caller of the same services with some configuration changed. */
function anonymousWith(config: Partial<ApiConfig>, ctx: Omit<CreateContextInnerOptions, 'services'> = {}) {
  const services = { ...api.services, config: { ...api.services.config, ...config } };
  return createCaller(createContextInner({ services, ...ctx }));
}

async function signUpAdmin() {
  const admin = await signUp(api);
  await api.database.db.update(schema.users).set({ role: 'admin' }).where(eq(schema.users.id, admin.user.id));
  return admin;
}

let adminToken: string;
const issue = async (userId: string) => {
  adminToken ??= (await signUpAdmin()).accessToken;
  return withBearer(api, adminToken).admin.users.issuePasswordReset({ id: userId });
};

const tokenOf = (url: string) => {
  const match = /#token=([A-Za-z0-9_-]+)$/.exec(url);
  if (!match) throw new Error(`no token in ${url}`);
  return match[1]!;
};

const reset = (token: string, newPassword = NEW_PASSWORD, ip?: string) =>
  api.anonymous({ req: { ip } }).auth.resetPassword({ token, newPassword });

const login = async (identifier: string, password: string) =>
  signedIn(await api.anonymous().auth.login({ identifier, password, tokenDelivery: 'body' }));

const auditOf = async (target: string) =>
  api.database.db
    .select({
      action: schema.auditLog.action,
      outcome: schema.auditLog.outcome,
      metadata: schema.auditLog.metadata,
    })
    .from(schema.auditLog)
    .where(eq(schema.auditLog.target, target));

describe('admin.users.issuePasswordReset', () => {
  it('links to the web app with the token in the fragment, stores only its hash, and expires in 30 minutes', async () => {
    const { user } = await signUp(api);
    const link = await issue(user.id);
    expect(link.url.startsWith(`${PUBLIC_URL}/reset-password#token=`)).toBe(true);
    expect(link.expiresAt.getTime()).toBe(api.clock.now().getTime() + 30 * MINUTE);
    const token = tokenOf(link.url);
    expect(token).toHaveLength(43);
    const rows = await api.database.db
      .select()
      .from(schema.passwordResets)
      .where(eq(schema.passwordResets.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(sha256(token));
    expect(Object.values(rows[0]!).map(String)).not.toContain(token);
    const audit = await auditOf(user.id);
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'authn_token_created',
        metadata: expect.objectContaining({ kind: 'password_reset', channel: 'admin' }),
      }),
    );
  });

  it('a new link ends the older unused one', async () => {
    const { user } = await signUp(api);
    const first = tokenOf((await issue(user.id)).url);
    const second = tokenOf((await issue(user.id)).url);
    await expectError(reset(first), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
    await expect(reset(second)).resolves.toEqual({ ok: true });
  });

  it('answers NOT_FOUND for a deleted or unknown user', async () => {
    const { user, password, accessToken } = await signUp(api);
    await withBearer(api, accessToken).auth.deleteAccount({ password });
    await expectError(issue(user.id), 'NOT_FOUND', 'USER_NOT_FOUND');
    await expectError(issue('00000000-0000-4000-8000-000000000000'), 'NOT_FOUND', 'USER_NOT_FOUND');
  });

  it('is refused to a signed-out caller and to a non-admin', async () => {
    const { user, accessToken } = await signUp(api);
    await expectError(
      api.anonymous().admin.users.issuePasswordReset({ id: user.id }),
      'UNAUTHORIZED',
      'UNAUTHENTICATED',
    );
    await expectError(
      withBearer(api, accessToken).admin.users.issuePasswordReset({ id: user.id }),
      'FORBIDDEN',
      'FORBIDDEN',
    );
    const rows = await api.database.db
      .select()
      .from(schema.passwordResets)
      .where(eq(schema.passwordResets.userId, user.id));
    expect(rows).toHaveLength(0);
  });

  it('refuses a production server without a public URL with PUBLIC_URL_NOT_CONFIGURED', async () => {
    const { user } = await signUp(api);
    adminToken ??= (await signUpAdmin()).accessToken;
    const caller = anonymousWith({ publicUrl: null }, { credentials: { bearer: adminToken } });
    await expectError(
      caller.admin.users.issuePasswordReset({ id: user.id }),
      'PRECONDITION_FAILED',
      'PUBLIC_URL_NOT_CONFIGURED',
    );
  });
});

describe('auth.resetPassword', () => {
  it('sets the password, signs every session out, opens none, and the new password logs in', async () => {
    const account = await signUp(api);
    const other = await login(account.user.email, PASSWORD);
    const token = tokenOf((await issue(account.user.id)).url);
    const answer = await reset(token);
    expect(answer).toEqual({ ok: true });
    for (const accessToken of [account.accessToken, other.accessToken!]) {
      await expectError(withBearer(api, accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    }
    await expectError(
      api.anonymous().auth.refresh({ refreshToken: account.refreshToken, tokenDelivery: 'body' }),
      'UNAUTHORIZED',
      'SESSION_REVOKED',
    );
    const active = await api.database.db
      .select({ id: schema.sessions.id })
      .from(schema.sessions)
      .where(and(eq(schema.sessions.userId, account.user.id), isNull(schema.sessions.revokedAt)));
    expect(active).toEqual([]);
    await expectError(login(account.user.email, PASSWORD), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    const fresh = await login(account.user.email, NEW_PASSWORD);
    expect((await withBearer(api, fresh.accessToken!).auth.me()).id).toBe(account.user.id);
    const events = await api.services.events.replay(0, account.user.id, ['session.revoked']);
    expect(events.map((e) => e.payload)).toContainEqual(expect.objectContaining({ all: true }));
    const audit = await auditOf(account.user.id);
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'authn_password_change',
        outcome: 'success',
        metadata: expect.objectContaining({ via: 'reset', issuedByAdmin: true, revokedSessions: 2 }),
      }),
    );
  });

  it('a used token is refused the second time', async () => {
    const { user } = await signUp(api);
    const token = tokenOf((await issue(user.id)).url);
    await reset(token);
    await expectError(reset(token, OTHER_PASSWORD), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
    await expectError(login(user.email, OTHER_PASSWORD), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    const audit = await auditOf(user.id);
    expect(audit.filter((a) => a.action === 'authn_password_change')).toHaveLength(1);
  });

  it('an expired token is refused: 30 minutes after it was issued', async () => {
    const { user } = await signUp(api);
    const token = tokenOf((await issue(user.id)).url);
    const later = tokenOf((await issue((await signUp(api)).user.id)).url);
    api.clock.advance(30 * MINUTE);
    try {
      await expectError(reset(token), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
      api.clock.advance(-1000);
      await expect(reset(later)).resolves.toEqual({ ok: true });
    } finally {
      api.clock.advance(-30 * MINUTE + 1000);
    }
    await expectError(login(user.email, NEW_PASSWORD), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
  });

  it('two concurrent resets with one token: exactly one wins', async () => {
    const { user } = await signUp(api);
    const token = tokenOf((await issue(user.id)).url);
    const results = await Promise.allSettled([reset(token, NEW_PASSWORD), reset(token, OTHER_PASSWORD)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    await expectError(Promise.reject(lost[0]!.reason), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
    const winner = results[0]!.status === 'fulfilled' ? NEW_PASSWORD : OTHER_PASSWORD;
    const loser = winner === NEW_PASSWORD ? OTHER_PASSWORD : NEW_PASSWORD;
    await expect(login(user.email, winner)).resolves.toBeTruthy();
    await expectError(login(user.email, loser), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
  });

  it('a weak new password is refused and does not burn the token', async () => {
    const account = await signUp(api);
    const token = tokenOf((await issue(account.user.id)).url);
    await expectError(reset(token, 'password1'), 'BAD_REQUEST', 'WEAK_PASSWORD');
    // Built from the account's own context words: refused as changePassword would.
    await expectError(reset(token, account.user.email), 'BAD_REQUEST', 'WEAK_PASSWORD');
    await expect(withBearer(api, account.accessToken).auth.me()).resolves.toBeTruthy();
    await expect(reset(token)).resolves.toEqual({ ok: true });
  });

  it('malformed, forged and unknown tokens answer the same error, and the refusal is audited', async () => {
    const bad = ['abc', 'x'.repeat(43), `${'A'.repeat(42)}!`, '', ' '.repeat(43)];
    const errors = [];
    for (const token of bad)
      errors.push(await expectError(reset(token), 'BAD_REQUEST', 'RESET_TOKEN_INVALID'));
    expect(new Set(errors.map((e) => e.message)).size).toBe(1);
    const refusals = await api.database.db
      .select({ metadata: schema.auditLog.metadata })
      .from(schema.auditLog)
      .where(
        and(eq(schema.auditLog.action, 'authn_password_change_fail'), eq(schema.auditLog.outcome, 'failure')),
      );
    expect(refusals.map((r) => r.metadata)).toEqual(
      expect.arrayContaining([
        { via: 'reset', reason: 'malformed' },
        { via: 'reset', reason: 'unknown_expired_or_used' },
      ]),
    );
  });

  it('refuses hostile input by schema: NUL, lone surrogates, huge strings', async () => {
    const token = 'A'.repeat(43);
    await expectError(reset(`${token}\u0000`), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectError(reset(token, `${NEW_PASSWORD}\uD800`), 'BAD_REQUEST', 'VALIDATION_FAILED');
    await expectError(reset('A'.repeat(100_000)), 'BAD_REQUEST', 'VALIDATION_FAILED');
  });

  it("a deleted user's link no longer works", async () => {
    const { user, password, accessToken } = await signUp(api);
    const token = tokenOf((await issue(user.id)).url);
    await withBearer(api, accessToken).auth.deleteAccount({ password });
    await expectError(reset(token), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
  });

  it('is rate limited per client IP, with retryAfter', async () => {
    const limited = (ip: string) =>
      anonymousWith(
        { rateLimits: { ...api.services.config.rateLimits, resetPerIp: { limit: 3, windowSec: 3600 } } },
        { req: { ip } },
      ).auth.resetPassword({ token: 'A'.repeat(43), newPassword: NEW_PASSWORD });
    for (let i = 0; i < 3; i++)
      await expectError(limited('198.51.100.7'), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
    const error = await expectError(limited('198.51.100.7'), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
    expect((error.cause as { details?: { retryAfter?: number } }).details?.retryAfter).toBeGreaterThan(0);
    await expectError(limited('198.51.100.8'), 'BAD_REQUEST', 'RESET_TOKEN_INVALID');
  });
});

describe('auth.requestPasswordReset', () => {
  it('answers the same for a known and an unknown email, with the same work, and only the known one gets a mail', async () => {
    const { user } = await signUp(api);
    const other = await signUp(api);
    const ask = (email: string) => api.anonymous().auth.requestPasswordReset({ email });
    const before = mails.length;
    const known = await countStatements(api.database, () => ask(user.email.toUpperCase()));
    await mailCount(before + 1);
    const unknown = await countStatements(api.database, () => ask(`${uniqueName()}@example.com`));
    expect(unknown.result).toEqual(known.result);
    expect(known.result).toEqual({ ok: true });
    // Looking the address up, making the link and mailing it all happen after the answer.
    expect(unknown.statements).toBe(known.statements);
    // Mails go out one at a time in request order: when the next one has arrived, the unknown
    // address's job has finished, and it sent nothing.
    await ask(other.user.email);
    await mailCount(before + 2);
    expect(mails.slice(before).map((m) => m.to && 'text' in m.to && m.to.text)).toEqual([
      user.email,
      other.user.email,
    ]);
  });

  it('mails a link that resets the password (SMTP round trip): the new one logs in, the old one fails', async () => {
    const account = await signUp(api);
    const before = mails.length;
    await api.anonymous().auth.requestPasswordReset({ email: account.user.email });
    await mailCount(before + 1);
    const mail = mails[before]!;
    expect(mail.subject).toBe('Reset your Skill Bytes password');
    expect(mail.from?.text).toContain('noreply@skillbytes.test');
    const url = /https:\/\/\S+/.exec(mail.text ?? '')?.[0];
    expect(url?.startsWith(`${PUBLIC_URL}/reset-password#token=`)).toBe(true);
    await expect(reset(tokenOf(url!))).resolves.toEqual({ ok: true });
    await expectError(withBearer(api, account.accessToken).auth.me(), 'UNAUTHORIZED', 'SESSION_REVOKED');
    await expectError(login(account.user.email, PASSWORD), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    await expect(login(account.user.email, NEW_PASSWORD)).resolves.toBeTruthy();
    const audit = await auditOf(account.user.id);
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'authn_token_created',
        metadata: expect.objectContaining({ kind: 'password_reset', channel: 'mail' }),
      }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'authn_password_change',
        metadata: expect.objectContaining({ via: 'reset', issuedByAdmin: false }),
      }),
    );
  });

  it('answers ok and leaks nothing when the mail server refuses', async () => {
    const { user } = await signUp(api);
    const wrongPassword = { ...mailConfig, smtpUrl: mailConfig.smtpUrl.replace('s3cret', 'wrong') };
    const answer = await anonymousWith({ mail: wrongPassword }).auth.requestPasswordReset({
      email: user.email,
    });
    expect(answer).toEqual({ ok: true });
    // The failed job is behind us once a later mail arrives; the link it made works nowhere but the inbox.
    const other = await signUp(api);
    const before = mails.length;
    await api.anonymous().auth.requestPasswordReset({ email: other.user.email });
    await mailCount(before + 1);
    expect(mails.slice(before).map((m) => m.to && 'text' in m.to && m.to.text)).toEqual([other.user.email]);
  });

  it('a stopping process still sends the mails it had queued before it closes the database', async () => {
    const stopping = await createTestApi({ config: { publicUrl: PUBLIC_URL, mail: mailConfig } });
    const accounts = [await signUp(stopping), await signUp(stopping), await signUp(stopping)];
    const before = mails.length;
    for (const { user } of accounts) {
      await stopping.anonymous().auth.requestPasswordReset({ email: user.email });
    }
    // No waiting for the mails: closing right away must let the queued jobs look their users up and mail.
    await stopping.close();
    expect(mails.slice(before).map((m) => m.to && 'text' in m.to && m.to.text)).toEqual(
      accounts.map(({ user }) => user.email),
    );
  });

  it('answers MAIL_NOT_CONFIGURED without SMTP_URL', async () => {
    const { user } = await signUp(api);
    await expectError(
      anonymousWith({ mail: null }).auth.requestPasswordReset({ email: user.email }),
      'PRECONDITION_FAILED',
      'MAIL_NOT_CONFIGURED',
    );
  });

  it('is rate limited per address (known or not alike) and per client IP', async () => {
    const rateLimits = {
      ...api.services.config.rateLimits,
      resetRequestPerAddress: { limit: 2, windowSec: 3600 },
      resetRequestPerIp: { limit: 4, windowSec: 3600 },
    };
    const ask = (email: string, ip: string) =>
      anonymousWith({ rateLimits }, { req: { ip } }).auth.requestPasswordReset({ email });
    const { user } = await signUp(api);
    const unknown = `${uniqueName()}@example.com`;
    for (const email of [user.email, unknown]) {
      await ask(email, '192.0.2.1');
      await ask(email, '192.0.2.2');
      const error = await expectError(ask(email, '192.0.2.3'), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
      expect((error.cause as { details?: { retryAfter?: number } }).details?.retryAfter).toBeGreaterThan(0);
    }
    for (let i = 0; i < 4; i++) await ask(`${uniqueName()}@example.com`, '192.0.2.9');
    await expectError(ask(`${uniqueName()}@example.com`, '192.0.2.9'), 'TOO_MANY_REQUESTS', 'RATE_LIMITED');
  });
});
