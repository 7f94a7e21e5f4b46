import { schema } from '@skillbytes/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { verifyPassword } from './passwords.ts';
import { passwordThrottle } from './throttle.ts';

const u = schema.users;

export const userNotFound = () => new DomainError('USER_NOT_FOUND', 'No such user');

/**
 * Checks a password the signed-in caller re-enters (change password, delete account, MFA changes,
 * step-up): it shares the account's login throttle (the browser's device cookie picks its bucket as
 * for a login), so these forms are no way around it.
 */
export async function confirmPassword(svc: Service, password: string) {
  const userId = svc.caller.userId;
  const [user] = await svc.db
    .select({
      passwordHash: u.passwordHash,
      email: u.email,
      username: u.username,
      name: u.name,
      role: u.role,
    })
    .from(u)
    .where(and(eq(u.id, userId), isNull(u.deletedAt)));
  if (!user) throw userNotFound();
  const throttle = await passwordThrottle(svc, { subject: userId, deviceToken: svc.deviceToken });
  return {
    user,
    async verify() {
      await throttle.take();
      return verifyPassword(user.passwordHash, password);
    },
    succeeded: () => throttle.succeeded(),
  };
}
