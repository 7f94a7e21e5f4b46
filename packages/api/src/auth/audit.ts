import { schema } from '@skillbytes/db';
import type { Caller, ServiceContext } from '../context.ts';
import { sha256 } from './tokens.ts';

/**
 * OWASP Logging Vocabulary names (plus `user_restored` for a login inside the deletion grace period, and
 * `authn_mfa_*`/`authn_reauth` for the second factor and step-up, in the same `authn_` family).
 */
type AuditAction =
  | 'user_created'
  | 'user_restored'
  | 'user_updated'
  | 'user_deleted'
  | 'authn_login_success'
  | 'authn_login_fail'
  | 'authn_token_reuse'
  | 'authn_password_change'
  | 'authn_password_change_fail'
  | 'authn_token_created'
  | 'authn_token_revoked'
  | 'authn_mfa_setup'
  | 'authn_mfa_enabled'
  | 'authn_mfa_disabled'
  | 'authn_mfa_challenge'
  | 'authn_mfa_verify'
  | 'authn_mfa_recovery_code_used'
  | 'authn_mfa_replay'
  | 'authn_reauth'
  | 'session_created'
  | 'session_renewed'
  | 'session_logout'
  | 'session_revoked'
  | 'session_expired'
  | 'authz_change'
  | 'authz_admin';

/** Where the row goes (`db`: the action's transaction) and who and where from: the request, never the input. */
export type AuditContext = Pick<ServiceContext, 'db' | 'ip' | 'userAgent' | 'logger'>;

export type AuditEntry = {
  action: AuditAction;
  at: Date;
  outcome?: 'success' | 'failure';
  actorUserId?: string | null;
  actorKeyId?: string | null;
  /** What was acted on: a user id, a session id, a key id... */
  target?: string | null;
  /** Stored hashed (OWASP: session ids in logs are "replaced with a hashed value"). */
  sessionId?: string | null;
  /** Structured and safe: never a password, token, secret or raw identifier someone typed. */
  metadata?: Record<string, unknown>;
};

/** One audit_log row, in the caller's transaction, and one structured log line with the same facts. */
export async function audit(svc: AuditContext, entry: AuditEntry): Promise<void> {
  const row = {
    at: entry.at,
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    actorUserId: entry.actorUserId ?? null,
    actorKeyId: entry.actorKeyId ?? null,
    target: entry.target ?? null,
    ip: svc.ip,
    userAgent: svc.userAgent,
    sessionHash: entry.sessionId ? sessionHash(entry.sessionId) : null,
    metadata: entry.metadata ?? {},
  };
  await svc.db.insert(schema.auditLog).values(row);
  svc.logger.info(
    {
      audit: row.action,
      outcome: row.outcome,
      actorUserId: row.actorUserId,
      actorKeyId: row.actorKeyId,
      target: row.target,
      sessionHash: row.sessionHash,
      ip: row.ip,
      metadata: row.metadata,
    },
    row.action,
  );
}

/** Audit actor fields for a caller. */
export function actorOf(caller: Caller) {
  return caller.kind === 'session'
    ? { actorUserId: caller.userId, sessionId: caller.sessionId }
    : { actorUserId: caller.userId, actorKeyId: caller.keyId };
}

export function sessionHash(sessionId: string) {
  return sha256(`session:${sessionId}`).slice(0, 22);
}
