import { schema } from '@skillbytes/db';
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import type { Services } from '../context.ts';
import { encryptMfaSecret, openMfaSecret } from './mfa-secret.ts';

const u = schema.users;
const BATCH = 500;

export type RekeyReport = {
  /** Secrets found under a previous key and stored again under the current one. */
  rekeyed: number;
  /** Secrets already under the current key. */
  current: number;
  /** Secrets no configured key opens: their accounts cannot pass a TOTP check (only a recovery code). */
  undecryptable: number;
};

/**
 * Key rotation for TOTP secrets (`MFA_ENCRYPTION_KEY` new, the old one in `MFA_PREVIOUS_KEYS`): walks
 * every enabled secret in id order, a batch at a time, and stores each one a previous key opens again
 * under the current key. Each write is a compare-and-set on the old ciphertext, so several processes
 * sweeping at once, or a user disabling TOTP meanwhile, lose nothing. Pending secrets (set up, not yet
 * confirmed) are left as they are: `auth.mfa.enable` stores them under the current key. Stops between
 * batches once `signal` aborts.
 */
export async function rekeyMfaSecrets(
  svc: Pick<Services, 'db' | 'config'>,
  signal?: AbortSignal,
): Promise<RekeyReport> {
  const report: RekeyReport = { rekeyed: 0, current: 0, undecryptable: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  while (!signal?.aborted) {
    const rows = await svc.db
      .select({ id: u.id, secret: u.mfaSecret })
      .from(u)
      .where(and(isNotNull(u.mfaSecret), gt(u.id, after)))
      .orderBy(asc(u.id))
      .limit(BATCH);
    for (const row of rows) {
      const stored = row.secret as string;
      const opened = openMfaSecret(svc.config, row.id, stored);
      if (!opened) report.undecryptable++;
      else if (!opened.stale) report.current++;
      else {
        const written = await svc.db
          .update(u)
          .set({ mfaSecret: encryptMfaSecret(svc.config, row.id, opened.secret) })
          .where(and(eq(u.id, row.id), eq(u.mfaSecret, stored)))
          .returning({ id: u.id });
        if (written.length) report.rekeyed++;
      }
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
  return report;
}
