import { randomBytes } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { and, count, eq, isNotNull, isNull, lt, type SQL } from 'drizzle-orm';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { decryptMfaSecret } from './mfa-secret.ts';
import { enforce, reset } from './rate-limit.ts';
import { sha256 } from './tokens.ts';
import { matchTotp } from './totp.ts';

const u = schema.users;
const rc = schema.mfaRecoveryCodes;

const RECOVERY_CODE_COUNT = 10;

export const invalidMfaCode = () =>
  new DomainError('INVALID_MFA_CODE', 'That code is not valid (or was already used); try the next one');

/** Every code checked for one account (verify, enable, disable, step-up) comes out of one bucket. */
const mfaLimit = (svc: Pick<ServiceContext, 'config'>, userId: string) => ({
  bucket: `mfa:acct:${userId}`,
  policy: svc.config.rateLimits.mfaPerAccount,
});

/** Takes one attempt before a code is checked; a refusal is RATE_LIMITED with `retryAfter`. */
export const takeCodeAttempt = (svc: ServiceContext, userId: string) => enforce(svc, mfaLimit(svc, userId));

/** A right code: the account's count starts over. */
export const codeSucceeded = (svc: ServiceContext, userId: string) =>
  reset(svc, mfaLimit(svc, userId).bucket);

/**
 * Ten recovery codes of 50 random bits each, `xxxxx-xxxxx` in base32 (no 0/1/8/9 to misread); only
 * their SHA-256 is stored. 50 bits behind the per-account limit is out of reach of guessing.
 */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => alphabet[b & 31]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  return { codes, hashes: codes.map((c) => recoveryCodeHash(c.replace('-', ''))) };
}

/** `code` as the schema normalised it (no dash, lower case). */
const recoveryCodeHash = (code: string) => sha256(`recovery:${code}`);

export type CodeCheck =
  | { ok: true; method: 'totp' | 'recovery_code' }
  | { ok: false; reason: 'wrong_code' | 'replay' };

/**
 * Checks a TOTP code against the stored (encrypted) secret and claims its time step in one statement:
 * `UPDATE users SET mfa_last_step = $step WHERE mfa_last_step < $step`, so a code, or an older one, is
 * accepted once even by concurrent requests. `set` and `where` let `auth.mfa.enable` switch the pending
 * secret on in the same statement. A replay is audited (`authn_mfa_replay`).
 */
export async function claimTotp(
  svc: ServiceContext,
  opts: { userId: string; stored: string; code: string; set?: Partial<typeof u.$inferInsert>; where?: SQL },
): Promise<CodeCheck> {
  const { userId } = opts;
  const secret = decryptMfaSecret(svc.config, userId, opts.stored);
  if (secret === null) {
    // The key changed without MFA_PREVIOUS_KEYS, or the row was altered: nothing the user can fix by typing.
    svc.logger.error({ userId }, 'mfa secret does not decrypt with MFA_ENCRYPTION_KEY or MFA_PREVIOUS_KEYS');
    return { ok: false, reason: 'wrong_code' };
  }
  const step = matchTotp(secret, opts.code, svc.now);
  if (step === null) return { ok: false, reason: 'wrong_code' };
  const claimed = await svc.db
    .update(u)
    .set({ ...opts.set, mfaLastStep: step })
    .where(and(eq(u.id, userId), lt(u.mfaLastStep, step), opts.where))
    .returning({ id: u.id });
  if (claimed.length) return { ok: true, method: 'totp' };
  await audit(svc, {
    action: 'authn_mfa_replay',
    at: svc.now,
    outcome: 'failure',
    actorUserId: userId,
    target: userId,
    metadata: { step },
  });
  return { ok: false, reason: 'replay' };
}

/** The account's active second factor: a TOTP code (claimed as above) or an unused recovery code (burnt). */
export async function checkSecondFactor(
  svc: ServiceContext,
  opts: { userId: string; code?: string | undefined; recoveryCode?: string | undefined },
): Promise<CodeCheck> {
  const { userId } = opts;
  const [row] = await svc.db
    .select({ secret: u.mfaSecret })
    .from(u)
    .where(and(eq(u.id, userId), isNotNull(u.mfaEnabledAt)));
  if (!row?.secret) return { ok: false, reason: 'wrong_code' };
  if (opts.code !== undefined) {
    return claimTotp(svc, { userId, stored: row.secret, code: opts.code, where: isNotNull(u.mfaEnabledAt) });
  }
  if (opts.recoveryCode === undefined) return { ok: false, reason: 'wrong_code' };
  const used = await svc.db
    .update(rc)
    .set({ usedAt: svc.now })
    .where(
      and(eq(rc.userId, userId), eq(rc.codeHash, recoveryCodeHash(opts.recoveryCode)), isNull(rc.usedAt)),
    )
    .returning({ id: rc.id });
  if (!used.length) return { ok: false, reason: 'wrong_code' };
  const [left] = await svc.db
    .select({ n: count() })
    .from(rc)
    .where(and(eq(rc.userId, userId), isNull(rc.usedAt)));
  await audit(svc, {
    action: 'authn_mfa_recovery_code_used',
    at: svc.now,
    actorUserId: userId,
    target: userId,
    metadata: { remaining: left?.n ?? 0 },
  });
  return { ok: true, method: 'recovery_code' };
}
