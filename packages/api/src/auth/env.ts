import type { Database } from '@skillbytes/db';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.ts';
import type { Caller, Context } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';

/**
 * What the account and session functions need, taken from the request context once: services, the
 * instant of the request (one clock reading per call), and where it came from (for audit and limits).
 */
export type AuthEnv = {
  db: Database;
  events: EventBus;
  config: ApiConfig;
  logger: Logger;
  now: Date;
  ip: string | null;
  userAgent: string | null;
  /** The device token the request carried as a cookie, if any. */
  deviceToken: string | null;
};

export function authEnv(ctx: Context): AuthEnv {
  return {
    db: ctx.db,
    events: ctx.events,
    config: ctx.config,
    logger: ctx.logger,
    now: ctx.now(),
    ip: ctx.req.ip,
    userAgent: ctx.req.userAgent,
    deviceToken: ctx.credentials.deviceCookie ?? null,
  };
}

export type SessionCaller = Extract<Caller, { kind: 'session' }>;

/**
 * Account-changing operations (password, deletion, sign-out, devices) belong to a person signed in with
 * a password, not to an automation key (least privilege, ASVS 8.2.1).
 */
export function requireSession(caller: Caller): SessionCaller {
  if (caller.kind !== 'session') {
    throw new DomainError('FORBIDDEN', 'Sign in with your password to do this; API keys cannot');
  }
  return caller;
}

/** Audit actor fields for a caller. */
export function actorOf(caller: Caller) {
  return caller.kind === 'session'
    ? { actorUserId: caller.userId, sessionId: caller.sessionId }
    : { actorUserId: caller.userId, actorKeyId: caller.keyId };
}
