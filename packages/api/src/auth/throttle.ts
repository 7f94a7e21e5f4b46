import type { ServiceContext } from '../context.ts';
import { ipBucket } from './ip.ts';
import { enforce, type Limit, refund, reset } from './rate-limit.ts';
import { sha256, verifyDeviceToken } from './tokens.ts';

/** Rate-limit buckets. Typed identifiers are hashed: a password typed into the wrong field is never stored. */
export const buckets = {
  loginIp: (ip: string | null) => `login:ip:${ipBucket(ip)}`,
  signupIp: (ip: string | null) => `signup:ip:${ipBucket(ip)}`,
  /** Every attempt at one account without its device token, from anywhere. */
  account: (subject: string) => `login:acct:${subject}`,
  /** Attempts at one account without its device token, from one client address. */
  accountIp: (subject: string, ip: string | null) => `login:acct-ip:${subject}:${ipBucket(ip)}`,
  /** Attempts at one account from one of its known devices. */
  device: (userId: string, nonce: string) => `login:dev:${userId}:${nonce}`,
};

/** What the throttles count a typed identifier that names no account by: never a user id. */
export const unknownSubject = (normalised: string) => `id:${sha256(normalised)}`;

type Throttle = Limit & { onSuccess: 'reset' | 'refund' };

export type PasswordThrottle = {
  isTrustedDevice: boolean;
  /** Takes one attempt from each bucket, before the password is checked; a refusal is RATE_LIMITED. */
  take(): Promise<void>;
  /** After the right password: the device's (or address's) count starts over, the shared one gets its attempt back. */
  succeeded(): Promise<void>;
};

/**
 * Where a password check against `subject` (a user id, or `unknownSubject`) is counted, after OWASP's
 * "device cookies". With a valid device token of this very account, only in that device's bucket: a
 * stranger's wrong guesses never slow down the owner's known devices. Without one (or with a forged,
 * expired or another account's token, which count as none), per account and client address, and in a
 * looser bucket every untrusted client of the account shares, which caps what many addresses can try
 * together. An unknown identifier takes the untrusted path like any account, so the 429s tell nothing.
 */
export async function passwordThrottle(
  svc: ServiceContext,
  { subject, deviceToken }: { subject: string; deviceToken: string | null | undefined },
): Promise<PasswordThrottle> {
  const device = await verifyDeviceToken(svc, deviceToken);
  const { loginPerAccount, loginUntrustedPerAccount } = svc.config.rateLimits;
  const isTrustedDevice = device !== null && device.userId === subject;
  const throttles: Throttle[] = isTrustedDevice
    ? [{ bucket: buckets.device(subject, device.nonce), policy: loginPerAccount, onSuccess: 'reset' }]
    : [
        { bucket: buckets.accountIp(subject, svc.ip), policy: loginPerAccount, onSuccess: 'reset' },
        { bucket: buckets.account(subject), policy: loginUntrustedPerAccount, onSuccess: 'refund' },
      ];
  return {
    isTrustedDevice,
    async take() {
      for (const t of throttles) await enforce(svc, t);
    },
    async succeeded() {
      for (const t of throttles) {
        if (t.onSuccess === 'reset') await reset(svc, t.bucket);
        else await refund(svc, t);
      }
    },
  };
}
