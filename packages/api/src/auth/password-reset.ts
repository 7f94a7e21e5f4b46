import { schema } from '@skillbytes/db';
import type { PasswordResetLink, RequestPasswordResetInput, ResetPasswordInput } from '@skillbytes/shared';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { ipBucket } from './ip.ts';
import { afterResponse, sendMail } from './mail.ts';
import { assertStrongPassword, hashPassword } from './passwords.ts';
import { enforce } from './rate-limit.ts';
import { revokeSessions } from './sessions.ts';
import { newSecret, sha256 } from './tokens.ts';

const u = schema.users;
const pr = schema.passwordResets;

/** How long a reset link works (issue #16: 30 minutes). */
const RESET_TTL_SEC = 30 * 60;

/** 256 random bits, base64url: what `newSecret` makes. Anything else cannot be a link of ours. */
const RESET_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const resetBuckets = {
  ip: (ip: string | null) => `reset:ip:${ipBucket(ip)}`,
  requestIp: (ip: string | null) => `reset-req:ip:${ipBucket(ip)}`,
  /** The normalised address, hashed: a typed email is never stored. */
  requestAddress: (email: string) => `reset-req:addr:${sha256(email)}`,
};

const invalidToken = () =>
  new DomainError(
    'RESET_TOKEN_INVALID',
    'This password reset link is not valid (it expired, was used or replaced, or is mistyped): ask for a new one',
  );

function resetUrl(svc: ServiceContext, token: string): string {
  const base = svc.config.publicUrl;
  if (!base) {
    throw new DomainError(
      'PUBLIC_URL_NOT_CONFIGURED',
      'Set PUBLIC_URL (where the web app is) so the server can build reset links',
    );
  }
  // In the fragment: browsers send it neither to the server nor in a Referer.
  return `${base}/reset-password#token=${token}`;
}

/**
 * Makes a new reset link for a live account, in the caller's transaction, and ends the user's older
 * unused links (only the newest works: an admin who issues a second link, or a user who asks twice,
 * need not wonder which one is good). Null when there is no such live account.
 */
export async function createResetLink(
  svc: ServiceContext,
  opts: { userId: string; issuedBy: string | null },
): Promise<(PasswordResetLink & { email: string }) | null> {
  const { db, now } = svc;
  const [user] = await db
    .select({ id: u.id, email: u.email })
    .from(u)
    .where(and(eq(u.id, opts.userId), isNull(u.deletedAt)))
    .for('update');
  if (!user) return null;
  const token = newSecret();
  const url = resetUrl(svc, token);
  const expiresAt = new Date(now.getTime() + RESET_TTL_SEC * 1000);
  const superseded = await db
    .update(pr)
    .set({ usedAt: now })
    .where(and(eq(pr.userId, user.id), isNull(pr.usedAt)))
    .returning({ id: pr.id });
  const [row] = await db
    .insert(pr)
    .values({ userId: user.id, tokenHash: sha256(token), createdAt: now, expiresAt, issuedBy: opts.issuedBy })
    .returning({ id: pr.id });
  await audit(svc, {
    action: 'authn_token_created',
    at: now,
    actorUserId: opts.issuedBy ?? user.id,
    ...(svc.caller?.kind === 'apiKey' ? { actorKeyId: svc.caller.keyId } : {}),
    target: user.id,
    metadata: {
      kind: 'password_reset',
      resetId: row?.id,
      channel: opts.issuedBy ? 'admin' : 'mail',
      expiresAt: expiresAt.toISOString(),
      superseded: superseded.length,
    },
  });
  return { url, expiresAt, email: user.email };
}

async function refuse(svc: ServiceContext, reason: string, userId: string | null): Promise<never> {
  await audit(svc, {
    action: 'authn_password_change_fail',
    at: svc.now,
    outcome: 'failure',
    actorUserId: userId,
    target: userId,
    metadata: { via: 'reset', reason },
  });
  throw invalidToken();
}

/**
 * Sets a new password with a reset link's token. The token burns in the same transaction as the
 * password changes, by `UPDATE … WHERE used_at IS NULL AND expires_at > now RETURNING`: of two
 * concurrent resets with one token exactly one wins. Every session of the user ends (on every
 * process) and none is opened: the user signs in afresh. A refused new password (WEAK_PASSWORD)
 * leaves the token usable. Unknown, malformed, expired, used and superseded tokens, and tokens of an
 * account deleted since, all answer RESET_TOKEN_INVALID.
 */
export async function resetPassword(
  svc: ServiceContext,
  input: z.output<typeof ResetPasswordInput>,
): Promise<{ ok: true }> {
  const { now } = svc;
  await enforce(svc, { bucket: resetBuckets.ip(svc.ip), policy: svc.config.rateLimits.resetPerIp });
  if (!RESET_TOKEN.test(input.token)) return refuse(svc, 'malformed', null);
  const tokenHash = sha256(input.token);
  const live = and(eq(pr.tokenHash, tokenHash), isNull(pr.usedAt), gt(pr.expiresAt, now));
  const [link] = await svc.db
    .select({ userId: u.id, email: u.email, username: u.username, name: u.name })
    .from(pr)
    .innerJoin(u, eq(u.id, pr.userId))
    .where(and(live, isNull(u.deletedAt)));
  if (!link) return refuse(svc, 'unknown_expired_or_used', null);
  assertStrongPassword(input.newPassword, link);
  const passwordHash = await hashPassword(input.newPassword);
  const done = await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const [burnt] = await tx
      .update(pr)
      .set({ usedAt: now })
      .where(live)
      .returning({ id: pr.id, userId: pr.userId, issuedBy: pr.issuedBy });
    if (!burnt) return null;
    const [user] = await tx
      .update(u)
      .set({ passwordHash, updatedAt: now })
      .where(and(eq(u.id, burnt.userId), isNull(u.deletedAt)))
      .returning({ id: u.id });
    if (!user) return null;
    const revoked = await revokeSessions(inTx, { userId: user.id, reason: 'password_reset' });
    await audit(inTx, {
      action: 'authn_password_change',
      at: now,
      actorUserId: user.id,
      target: user.id,
      metadata: {
        via: 'reset',
        resetId: burnt.id,
        issuedByAdmin: burnt.issuedBy !== null,
        revokedSessions: revoked.length,
      },
    });
    return user;
  });
  if (!done) return refuse(svc, 'lost_race', link.userId);
  return { ok: true };
}

/**
 * Mails a reset link to the account with this email, if there is one. The answer is always `{ok: true}`
 * and the request does the same work either way (two rate-limit statements): the lookup, the link and
 * the mail happen after the response (`afterResponse`), so neither the answer nor its timing says
 * whether the account exists, and a mail server that fails only writes a log line. Without SMTP_URL:
 * MAIL_NOT_CONFIGURED (an admin issues links then).
 */
export async function requestPasswordReset(
  svc: ServiceContext,
  input: z.output<typeof RequestPasswordResetInput>,
): Promise<{ ok: true }> {
  const mail = svc.config.mail;
  if (!mail) {
    throw new DomainError('MAIL_NOT_CONFIGURED', 'This server sends no mail: ask an admin for a reset link');
  }
  const limits = svc.config.rateLimits;
  await enforce(svc, { bucket: resetBuckets.requestIp(svc.ip), policy: limits.resetRequestPerIp });
  await enforce(svc, {
    bucket: resetBuckets.requestAddress(input.email),
    policy: limits.resetRequestPerAddress,
  });
  afterResponse(svc, 'password_reset_mail', async () => {
    const link = await svc.db.transaction(async (tx) => {
      const [user] = await tx
        .select({ id: u.id })
        .from(u)
        .where(and(eq(u.email, input.email), isNull(u.deletedAt)));
      return user ? createResetLink({ ...svc, db: tx }, { userId: user.id, issuedBy: null }) : null;
    });
    if (!link) {
      svc.logger.info({ reason: 'no_such_account' }, 'password_reset_mail_skipped');
      return;
    }
    await sendMail(mail, {
      to: link.email,
      subject: 'Reset your Skill Bytes password',
      text: [
        'Someone (hopefully you) asked to reset the password of your Skill Bytes account.',
        '',
        `Choose a new password here: ${link.url}`,
        '',
        `The link works once, until ${link.expiresAt.toISOString()} (30 minutes). Every device signed in`,
        'to your account is signed out when you use it.',
        '',
        'If you did not ask for this, ignore this mail: your password stays as it is.',
      ].join('\n'),
    });
    svc.logger.info({ target: 'mailed' }, 'password_reset_mail_sent');
  });
  return { ok: true };
}
