import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ApiConfig } from '../config.ts';

const VERSION = 'v1';

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

/** The secret, or null for a value this key did not encrypt for this user (wrong key, tampered row). */
export function decryptMfaSecret(
  config: Pick<ApiConfig, 'mfaEncryptionKey'>,
  userId: string,
  stored: string,
): string | null {
  const [version, iv, ciphertext, tag] = stored.split('.');
  if (version !== VERSION || !iv || !ciphertext || !tag) return null;
  try {
    // The full 16-byte tag only: a shortened one would be easier to forge.
    const decipher = createDecipheriv('aes-256-gcm', config.mfaEncryptionKey, Buffer.from(iv, 'base64url'), {
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
