import { schema } from '@skillbytes/db';
import type { SignupInput } from '@skillbytes/shared';
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { audit } from './audit.ts';
import { purgeGoneAccounts } from './gone-accounts.ts';
import type { SignedIn } from './login.ts';
import { assertStrongPassword, hashPassword } from './passwords.ts';
import { profileColumns, toProfile } from './profile.ts';
import { enforce } from './rate-limit.ts';
import { openSession } from './sessions.ts';
import { buckets } from './throttle.ts';
import { signDeviceToken } from './tokens.ts';

/**
 * Creates an account and signs it in. Order matters: the signup throttle runs first, then the cheap
 * checks, and only then argon2. Taken emails/usernames answer EMAIL_TAKEN/USERNAME_TAKEN (DESIGN §5):
 * that reveals registrations, which the per-IP signup limit keeps slow (ASVS 6.3.8 is L3).
 */
export async function signup(svc: ServiceContext, input: z.output<typeof SignupInput>): Promise<SignedIn> {
  const { config, now } = svc;
  await enforce(svc, { bucket: buckets.signupIp(svc.ip), policy: config.rateLimits.signupPerIp });
  const domain = input.email.slice(input.email.lastIndexOf('@') + 1);
  const allowed = config.allowedEmailDomains;
  if (allowed.length && !allowed.includes(domain)) {
    throw new DomainError('EMAIL_DOMAIN_NOT_ALLOWED', 'Sign-ups are limited to some email domains', {
      allowedDomains: allowed,
    });
  }
  assertStrongPassword(input.password, { email: input.email, username: input.username, name: input.name });
  const passwordHash = await hashPassword(input.password);

  const signedUp = await svc.db.transaction(async (tx) => {
    const inTx = { ...svc, db: tx };
    await purgeGoneAccounts(inTx, { email: input.email, username: input.username });
    const [user] = await tx
      .insert(schema.users)
      .values({
        email: input.email,
        username: input.username ?? null,
        name: input.name ?? null,
        passwordHash,
        createdAt: now,
        updatedAt: now,
      })
      .returning(profileColumns);
    if (!user) throw new Error('user insert returned nothing');
    await audit(inTx, { action: 'user_created', at: now, actorUserId: user.id, target: user.id });
    const tokens = await openSession(inTx, { user, reason: 'signup' });
    return { user: toProfile(user, now), tokens };
  });
  return { ...signedUp, device: await signDeviceToken(svc, signedUp.user.id) };
}
