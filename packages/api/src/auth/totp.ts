import { Secret, TOTP } from 'otpauth';

/**
 * What every authenticator app understands (RFC 6238 defaults, Google Authenticator's key URI format):
 * HMAC-SHA1, 6 digits, 30-second steps. `window` steps either side are accepted for clock skew.
 */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 } as const;

type TotpParams = { algorithm: string; digits: number; period: number; window: number };

const ISSUER = 'Skill Bytes';

/** A new secret: 160 random bits (RFC 4226 §4 recommends at least that), base32 as apps expect it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/...` URI a QR code carries: issuer, the account's email, the secret and parameters. */
export function otpauthUri(secretBase32: string, account: string): string {
  return new TOTP({
    issuer: ISSUER,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_PARAMS.algorithm,
    digits: TOTP_PARAMS.digits,
    period: TOTP_PARAMS.period,
  }).toString();
}

/**
 * The time step whose code `code` is, within `window` steps of `at`, or null. The caller decides
 * whether that step may still be used (only one later than the last accepted: no replay).
 */
export function matchTotp(
  secret: Secret | string,
  code: string,
  at: Date,
  params: TotpParams = TOTP_PARAMS,
): number | null {
  const key = typeof secret === 'string' ? Secret.fromBase32(secret) : secret;
  const timestamp = at.getTime();
  const delta = TOTP.validate({
    token: code,
    secret: key,
    algorithm: params.algorithm,
    digits: params.digits,
    period: params.period,
    timestamp,
    window: params.window,
  });
  if (delta === null) return null;
  return TOTP.counter({ period: params.period, timestamp }) + delta;
}
