import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ApiConfig } from '../config.ts';

const VERSION = 'v1';

type Keys = Pick<ApiConfig, 'mfaEncryptionKey' | 'mfaPreviousKeys'>;

/**
 * TOTP secrets at rest: AES-256-GCM with `MFA_ENCRYPTION_KEY` and a random 96-bit IV per secret, as
 * `v1.<iv>.<ciphertext>.<tag>` (base64url). The user id is the associated data: a ciphertext copied
 * onto another account does not decrypt there. A database dump alone yields no secret.
 */
export function encryptMfaSecret(
  config: Pick<ApiConfig, 'mfaEncryptionKey'>,
  userId: string,
  secret: string,
) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', config.mfaEncryptionKey, iv);
  cipher.setAAD(Buffer.from(`mfa:${userId}`));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

/**
 * A stored secret opened with the current key or, during a rotation, one of `MFA_PREVIOUS_KEYS`
 * (GCM's tag tells the right key from a wrong one). `stale` says it was a previous key: the secret should
 * be stored again under the current one. Null for a value no configured key encrypted for this user
 * (a key removed too soon, a tampered or copied row).
 */
export function openMfaSecret(
  config: Keys,
  userId: string,
  stored: string,
): { secret: string; stale: boolean } | null {
  const [version, iv, ciphertext, tag] = stored.split('.');
  if (version !== VERSION || !iv || !ciphertext || !tag) return null;
  const keys = [config.mfaEncryptionKey, ...(config.mfaPreviousKeys ?? [])];
  for (const [index, key] of keys.entries()) {
    const secret = decryptWith(key, userId, iv, ciphertext, tag);
    if (secret !== null) return { secret, stale: index > 0 };
  }
  return null;
}

/** The secret, or null for a value no configured key encrypted for this user. */
export const decryptMfaSecret = (config: Keys, userId: string, stored: string): string | null =>
  openMfaSecret(config, userId, stored)?.secret ?? null;

function decryptWith(key: Uint8Array, userId: string, iv: string, ciphertext: string, tag: string) {
  try {
    // The full 16-byte tag only: a shortened one would be easier to forge.
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(`mfa:${userId}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
