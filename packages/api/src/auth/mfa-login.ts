import { schema } from '@skillbytes/db';
import type { MfaVerifyInput } from '@skillbytes/shared';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { graceCutoff } from './gone-accounts.ts';
import { completeLogin, type SignedIn } from './login.ts';
import { checkSecondFactor, codeSucceeded, invalidMfaCode, takeCodeAttempt } from './second-factor.ts';
import { newSecret, sha256 } from './tokens.ts';

const t = schema.mfaTokens;
const u = schema.users;

/** How long the password step of an MFA login stays good for. */
const MFA_TOKEN_TTL_MS = 5 * 60_000;
/** Wrong codes one mfa token survives; then the password must be typed again. */
export const MFA_TOKEN_MAX_FAILURES = 5;

/** What `auth.login` answers for an account with TOTP on: no session yet. */
export type MfaChallenge = { mfaRequired: true; mfaToken: string; expiresAt: Date };

const tokenInvalid = () =>
  new DomainError('MFA_TOKEN_INVALID', 'This sign-in has expired or was already completed; sign in again');

/**
 * The password step of an MFA login succeeded: an opaque token (256 random bits, stored as SHA-256)
 * that `auth.mfa.verify` spends once within five minutes. It remembers how the login asked for its
 * tokens, so the session verify opens is delivered the same way.
 */
export async function startMfaLogin(
  svc: ServiceContext,
  opts: { userId: string; tokenDelivery: 'cookie' | 'body'; metadata: Record<string, unknown> },
): Promise<MfaChallenge> {
  const { now } = svc;
  const mfaToken = newSecret();
  const expiresAt = new Date(now.getTime() + MFA_TOKEN_TTL_MS);
  await svc.db.transaction(async (tx) => {
    await tx
      .delete(t)
      .where(and(eq(t.userId, opts.userId), or(lt(t.expiresAt, now), sql`${t.usedAt} is not null`)));
    await tx.insert(t).values({
      tokenHash: sha256(mfaToken),
      userId: opts.userId,
      tokenDelivery: opts.tokenDelivery,
      createdAt: now,
      expiresAt,
    });
    await audit(
      { ...svc, db: tx },
      {
        action: 'authn_mfa_challenge',
        at: now,
        actorUserId: opts.userId,
        target: opts.userId,
        metadata: opts.metadata,
      },
    );
  });
  return { mfaRequired: true, mfaToken, expiresAt };
}

/**
 * `auth.mfa.verify`: the second step. The token must be unused, unexpired and not exhausted; the code
 * is taken from the account's code bucket (RATE_LIMITED past it) and checked (a TOTP step is accepted
 * once; a recovery code burns). A wrong code counts against the token, which dies at
 * MFA_TOKEN_MAX_FAILURES. The token is then spent by one guarded UPDATE, so of concurrent verifies one
 * opens a session. Answers what `auth.login` answers on success.
 */
export async function verifyMfaLogin(
  svc: ServiceContext,
  input: z.output<typeof MfaVerifyInput>,
): Promise<{ signedIn: SignedIn; tokenDelivery: 'cookie' | 'body' }> {
  const { now } = svc;
  const tokenHash = sha256(input.mfaToken);
  const [row] = await svc.db.select().from(t).where(eq(t.tokenHash, tokenHash));
  if (!row) throw tokenInvalid();
  const failVerify = async (reason: string, metadata: Record<string, unknown> = {}) =>
    audit(svc, {
      action: 'authn_mfa_verify',
      at: now,
      outcome: 'failure',
      actorUserId: row.userId,
      target: row.userId,
      metadata: { reason, ...metadata },
    });
  const isLive = !row.usedAt && row.expiresAt > now && row.failures < MFA_TOKEN_MAX_FAILURES;
  if (!isLive) {
    await failVerify(row.usedAt ? 'token_used' : row.expiresAt <= now ? 'token_expired' : 'token_exhausted');
    throw tokenInvalid();
  }
  await takeCodeAttempt(svc, row.userId);
  const check = await checkSecondFactor(svc, {
    userId: row.userId,
    code: input.code,
    recoveryCode: input.recoveryCode,
  });
  if (!check.ok) {
    const [counted] = await svc.db
      .update(t)
      .set({
        failures: sql`${t.failures} + 1`,
        usedAt: sql`case when ${t.failures} + 1 >= ${MFA_TOKEN_MAX_FAILURES} then ${now.toISOString()}::timestamptz else ${t.usedAt} end`,
      })
      .where(eq(t.tokenHash, tokenHash))
      .returning({ failures: t.failures });
    const isDead = (counted?.failures ?? MFA_TOKEN_MAX_FAILURES) >= MFA_TOKEN_MAX_FAILURES;
    await failVerify(check.reason, isDead ? { tokenDead: true } : {});
    throw invalidMfaCode();
  }
  const [spent] = await svc.db
    .update(t)
    .set({ usedAt: now })
    .where(
      and(
        eq(t.tokenHash, tokenHash),
        isNull(t.usedAt),
        gt(t.expiresAt, now),
        lt(t.failures, MFA_TOKEN_MAX_FAILURES),
      ),
    )
    .returning({ userId: t.userId });
  if (!spent) {
    await failVerify('token_used');
    throw tokenInvalid();
  }
  await codeSucceeded(svc, row.userId);
  const [user] = await svc.db
    .select({ id: u.id, deletedAt: u.deletedAt })
    .from(u)
    .where(eq(u.id, row.userId));
  if (!user || (user.deletedAt && user.deletedAt <= graceCutoff(svc))) throw tokenInvalid();
  await audit(svc, {
    action: 'authn_mfa_verify',
    at: now,
    actorUserId: user.id,
    target: user.id,
    metadata: { method: check.method },
  });
  const signedIn = await completeLogin(svc, { user, metadata: { mfa: check.method } });
  return { signedIn, tokenDelivery: row.tokenDelivery };
}
