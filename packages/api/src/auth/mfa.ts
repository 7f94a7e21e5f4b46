import { schema } from '@skillbytes/db';
import type { MfaDisableInput, MfaEnableInput, MfaSetupInput } from '@skillbytes/shared';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { actorOf, audit } from './audit.ts';
import { confirmPassword } from './confirm-password.ts';
import { invalidCredentials } from './login.ts';
import { encryptMfaSecret, openMfaSecret } from './mfa-secret.ts';
import { requireSession } from './require-session.ts';
import {
  checkSecondFactor,
  claimTotp,
  codeSucceeded,
  invalidMfaCode,
  newRecoveryCodes,
  takeCodeAttempt,
} from './second-factor.ts';
import { markReauthenticated, requireRecentAuth } from './step-up.ts';
import { newTotpSecret, otpauthUri } from './totp.ts';

const u = schema.users;
const rc = schema.mfaRecoveryCodes;

const alreadyEnabled = () =>
  new DomainError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up: disable it first');

/**
 * `auth.mfa.setup`: a new secret, pending until `enable` proves the app has it (a second setup replaces
 * a pending one). The password is asked here, under the login throttle, and counts as this session's
 * step-up proof, so `enable` right after it needs nothing more.
 */
export async function setupMfa(
  svc: Service,
  input: z.output<typeof MfaSetupInput>,
): Promise<{ secret: string; otpauthUri: string }> {
  const me = requireSession(svc.caller);
  const { user, verify, succeeded } = await confirmPassword(svc, input.password);
  if (!(await verify())) {
    await audit(svc, {
      action: 'authn_mfa_setup',
      at: svc.now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
      metadata: { reason: 'wrong_password' },
    });
    throw invalidCredentials();
  }
  await succeeded();
  const secret = newTotpSecret();
  await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const [row] = await tx
      .update(u)
      .set({ mfaPendingSecret: encryptMfaSecret(svc.config, me.userId, secret) })
      .where(and(eq(u.id, me.userId), isNull(u.mfaEnabledAt)))
      .returning({ id: u.id });
    if (!row) throw alreadyEnabled();
    await markReauthenticated(inTx, me.sessionId);
    await audit(inTx, { action: 'authn_mfa_setup', at: svc.now, ...actorOf(me), target: me.userId });
  });
  return { secret, otpauthUri: otpauthUri(secret, user.email) };
}

/**
 * `auth.mfa.enable`: a code from the pending secret switches it on (the code's step is claimed in the
 * same statement) and ten recovery codes replace any earlier ones; they are answered this once.
 */
export async function enableMfa(
  svc: Service,
  input: z.output<typeof MfaEnableInput>,
): Promise<{ recoveryCodes: string[] }> {
  const me = await requireRecentAuth(svc);
  const [row] = await svc.db
    .select({ pending: u.mfaPendingSecret, enabledAt: u.mfaEnabledAt })
    .from(u)
    .where(eq(u.id, me.userId));
  if (row?.enabledAt) throw alreadyEnabled();
  if (!row?.pending) {
    throw new DomainError('MFA_NOT_ENABLED', 'Start with auth.mfa.setup: there is no pending secret');
  }
  const pending = row.pending;
  // Set up before a key rotation: turned on under the current key.
  const opened = openMfaSecret(svc.config, me.userId, pending);
  const toStore = opened?.stale ? encryptMfaSecret(svc.config, me.userId, opened.secret) : pending;
  await takeCodeAttempt(svc, me.userId);
  const { codes, hashes } = newRecoveryCodes();
  const enabled = await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    const check = await claimTotp(inTx, {
      userId: me.userId,
      stored: pending,
      code: input.code,
      set: { mfaSecret: toStore, mfaPendingSecret: null, mfaEnabledAt: svc.now },
      where: and(eq(u.mfaPendingSecret, pending), isNull(u.mfaEnabledAt)),
    });
    if (!check.ok) return check;
    await tx.delete(rc).where(eq(rc.userId, me.userId));
    await tx
      .insert(rc)
      .values(hashes.map((codeHash) => ({ userId: me.userId, codeHash, createdAt: svc.now })));
    await audit(inTx, { action: 'authn_mfa_enabled', at: svc.now, ...actorOf(me), target: me.userId });
    return check;
  });
  if (!enabled.ok) {
    await audit(svc, {
      action: 'authn_mfa_enabled',
      at: svc.now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
      metadata: { reason: enabled.reason },
    });
    throw invalidMfaCode();
  }
  await codeSucceeded(svc, me.userId);
  return { recoveryCodes: codes };
}

/**
 * `auth.mfa.disable`: the password and a second factor — a current TOTP code or one of the recovery
 * codes (a lost phone is the usual reason to disable). The secret and every recovery code go.
 */
export async function disableMfa(svc: Service, input: z.output<typeof MfaDisableInput>): Promise<void> {
  const me = await requireRecentAuth(svc);
  const [row] = await svc.db.select({ enabledAt: u.mfaEnabledAt }).from(u).where(eq(u.id, me.userId));
  if (!row?.enabledAt) throw new DomainError('MFA_NOT_ENABLED', 'No authenticator app is set up');
  const { verify, succeeded } = await confirmPassword(svc, input.password);
  const fail = async (reason: string, error: DomainError): Promise<never> => {
    await audit(svc, {
      action: 'authn_mfa_disabled',
      at: svc.now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
      metadata: { reason },
    });
    throw error;
  };
  if (!(await verify())) return fail('wrong_password', invalidCredentials());
  await succeeded();
  await takeCodeAttempt(svc, me.userId);
  const check = await checkSecondFactor(svc, { userId: me.userId, ...input });
  if (!check.ok) return fail(check.reason, invalidMfaCode());
  await codeSucceeded(svc, me.userId);
  await svc.db.transaction(async (tx) => {
    await tx
      .update(u)
      .set({ mfaSecret: null, mfaPendingSecret: null, mfaEnabledAt: null })
      .where(and(eq(u.id, me.userId), isNotNull(u.mfaEnabledAt)));
    await tx.delete(rc).where(eq(rc.userId, me.userId));
    await audit(
      { ...svc, db: tx },
      {
        action: 'authn_mfa_disabled',
        at: svc.now,
        ...actorOf(me),
        target: me.userId,
        metadata: { method: check.method },
      },
    );
  });
}
