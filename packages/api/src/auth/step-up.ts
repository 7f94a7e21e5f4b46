import { schema } from '@skillbytes/db';
import type { ReauthenticateInput } from '@skillbytes/shared';
import { and, eq, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import type { Service, ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { actorOf, audit } from './audit.ts';
import { confirmPassword } from './confirm-password.ts';
import { invalidCredentials } from './login.ts';
import { requireSession, type SessionCaller } from './require-session.ts';
import { checkSecondFactor, codeSucceeded, invalidMfaCode, takeCodeAttempt } from './second-factor.ts';

const s = schema.sessions;
const u = schema.users;

/**
 * Sensitive changes (signing other devices out, a new username, MFA changes, account deletion) need a
 * password or TOTP proof in this session within `reauthWindowSec` (ASVS 7.5): a stolen session alone
 * cannot lock its owner out. Sessions only: an API key has no password to re-enter (requireSession).
 * A refusal is FORBIDDEN/REAUTH_REQUIRED (a log line, like other authorization failures).
 */
export async function requireRecentAuth(svc: Service): Promise<SessionCaller> {
  const me = requireSession(svc.caller);
  const [row] = await svc.db
    .select({ at: s.reauthenticatedAt })
    .from(s)
    .where(and(eq(s.id, me.sessionId), eq(s.userId, me.userId), isNull(s.revokedAt)));
  const since = row?.at ? svc.now.getTime() - row.at.getTime() : Number.POSITIVE_INFINITY;
  if (since <= svc.config.reauthWindowSec * 1000) return me;
  svc.logger.warn({ userId: me.userId, windowSec: svc.config.reauthWindowSec }, 'authz_reauth_required');
  throw new DomainError('REAUTH_REQUIRED', 'Confirm it is you: enter your password (or a code) again', {
    windowSec: svc.config.reauthWindowSec,
  });
}

/** Records a proof in this session: the step-up window starts now. */
export async function markReauthenticated(svc: ServiceContext, sessionId: string): Promise<void> {
  await svc.db.update(s).set({ reauthenticatedAt: svc.now }).where(eq(s.id, sessionId));
}

/**
 * `auth.reauthenticate`: the password (under the login throttle, as changePassword) or, when the
 * account has TOTP on, a TOTP code (under the per-account code limit, no replay). Audited either way
 * (`authn_reauth`).
 */
export async function reauthenticate(
  svc: Service,
  input: z.output<typeof ReauthenticateInput>,
): Promise<{ reauthenticatedAt: Date; windowSec: number }> {
  const me = requireSession(svc.caller);
  const method = input.password !== undefined ? 'password' : 'totp';
  let ok: boolean;
  if (input.password !== undefined) {
    const { verify, succeeded } = await confirmPassword(svc, input.password);
    ok = await verify();
    if (ok) await succeeded();
  } else {
    const [user] = await svc.db.select({ enabledAt: u.mfaEnabledAt }).from(u).where(eq(u.id, me.userId));
    if (!user?.enabledAt) {
      throw new DomainError('MFA_NOT_ENABLED', 'This account has no authenticator app: use your password');
    }
    await takeCodeAttempt(svc, me.userId);
    const check = await checkSecondFactor(svc, { userId: me.userId, code: input.code });
    ok = check.ok;
    if (ok) await codeSucceeded(svc, me.userId);
  }
  if (!ok) {
    await audit(svc, {
      action: 'authn_reauth',
      at: svc.now,
      outcome: 'failure',
      ...actorOf(me),
      target: me.userId,
      metadata: { method },
    });
    throw method === 'password' ? invalidCredentials() : invalidMfaCode();
  }
  await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    await markReauthenticated(inTx, me.sessionId);
    await audit(inTx, {
      action: 'authn_reauth',
      at: svc.now,
      ...actorOf(me),
      target: me.userId,
      metadata: { method },
    });
  });
  return { reauthenticatedAt: svc.now, windowSec: svc.config.reauthWindowSec };
}
