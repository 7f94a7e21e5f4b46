import type { Caller } from '../context.ts';
import { DomainError } from '../errors.ts';

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
