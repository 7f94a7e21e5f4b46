import { createHash, randomBytes, randomUUID, timingSafeEqual, webcrypto } from 'node:crypto';
import { Role } from '@skillbytes/shared';
import { errors as joseErrors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { ApiConfig } from '../config.ts';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';

/** RFC 9068 media type: a token of another kind (an ID token, some other JWT) cannot be replayed here. */
const ACCESS_TOKEN_TYP = 'at+jwt';
const ALGORITHM = 'HS256';
/** RFC 7519 allows "a few minutes"; we allow a few seconds of clock skew between processes. */
const CLOCK_TOLERANCE_SEC = 5;
const ACCESS_TOKEN_MAX_CHARS = 2048;

export type AccessClaims = { userId: string; sessionId: string; role: Role };

/** What signing and verifying take: the keys and lifetimes, and the instant to sign or verify at. */
export type TokenContext = Pick<ServiceContext, 'config' | 'now'>;

/** Signs with the first configured key: our issuer and audience, this `typ`, subject and lifetime. */
async function signToken(
  { config, now }: TokenContext,
  token: { typ: string; subject: string; jti: string; ttlSec: number; claims: Record<string, string> },
): Promise<{ token: string; expiresAt: Date }> {
  const key = config.jwtKeys[0];
  if (!key) throw new Error('no JWT signing key configured');
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + token.ttlSec;
  const signed = await new SignJWT(token.claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: token.typ })
    .setSubject(token.subject)
    .setJti(token.jti)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setIssuer(config.jwtIssuer)
    .setAudience(config.jwtAudience)
    .sign(key.secret);
  return { token: signed, expiresAt: new Date(exp * 1000) };
}

export function signAccessToken(ctx: TokenContext, claims: AccessClaims) {
  return signToken(ctx, {
    typ: ACCESS_TOKEN_TYP,
    subject: claims.userId,
    jti: randomUUID(),
    ttlSec: ctx.config.accessTokenTtlSec,
    claims: { sid: claims.sessionId, role: claims.role },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const verificationKeys = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();

/**
 * Given raw bytes, jose imports a WebCrypto key on every verification; importing once per secret halves
 * what every authenticated request pays for it (bench: about 170 → 80 µs of CPU).
 */
function verificationKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  let key = verificationKeys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    key.catch(() => verificationKeys.delete(secret));
    verificationKeys.set(secret, key);
  }
  return key;
}

/** The verification key a token names by `kid`, from configuration only (never from the token). */
function keyByKid(keys: ApiConfig['jwtKeys']) {
  return (header: { kid?: string }) => {
    const key = keys.find((k) => k.kid === header.kid);
    if (!key) throw new joseErrors.JWKSNoMatchingKey();
    return verificationKey(key.secret);
  };
}

/**
 * A genuine access token (our key, issuer, audience, type and claims) whose lifetime is over. Its
 * claims are kept so that the caller can tell an expired token of a live session (refresh, then retry:
 * TOKEN_EXPIRED) from one of a session that ended.
 */
export class ExpiredAccessToken extends DomainError {
  readonly claims: AccessClaims;

  constructor(claims: AccessClaims) {
    super('TOKEN_EXPIRED', 'The access token has expired: refresh it and try again');
    this.claims = claims;
  }
}

/**
 * Verifies an access token: HS256 only (jose never accepts `none`, and pinning refuses RS256/ES256
 * look-alikes), the key chosen by `kid` from configuration (never from the token), and every claim we
 * rely on required (`exp` is only checked by jose when present). A token that passes every check but
 * its age is an `ExpiredAccessToken` (jose checks `exp` and `iat` last, after the signature and the
 * other claims); any other failure is one INVALID_TOKEN.
 */
export async function verifyAccessToken(
  { config, now }: TokenContext,
  token: string,
): Promise<AccessClaims & { expiresAt: Date }> {
  if (token.length > ACCESS_TOKEN_MAX_CHARS) throw invalidToken();
  const known = verifiedTokens(config).get(token);
  if (known && isWithinLifetime(known, now, config)) return { ...known.claims, expiresAt: known.expiresAt };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyByKid(config.jwtKeys), {
      algorithms: [ALGORITHM],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SEC,
      maxTokenAge: config.accessTokenTtlSec + CLOCK_TOLERANCE_SEC,
      currentDate: now,
    }));
  } catch (error) {
    const expired = error instanceof joseErrors.JWTExpired ? accessClaimsOf(error.payload) : undefined;
    throw expired ? new ExpiredAccessToken(expired) : invalidToken();
  }
  const claims = accessClaimsOf(payload);
  if (!claims) throw invalidToken();
  const verified = {
    claims,
    iat: payload.iat ?? 0,
    exp: payload.exp ?? 0,
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
  remember(verifiedTokens(config), token, verified);
  return { ...claims, expiresAt: verified.expiresAt };
}

/**
 * Access tokens this process has verified, by their text: a token's signature and claims do not
 * change, so a second check of the same text only has to look at the clock. That skips jose's
 * WebCrypto HMAC (an async job off the main thread) on every request after a client's first. Only
 * tokens that passed every check are kept; at most VERIFIED_TOKENS_MAX, the oldest dropped first. A key removed from configuration means a new process, hence a new cache.
 */
type VerifiedToken = { claims: AccessClaims; iat: number; exp: number; expiresAt: Date };
const VERIFIED_TOKENS_MAX = 10_000;
const verifiedTokenCaches = new WeakMap<ApiConfig, Map<string, VerifiedToken>>();

function verifiedTokens(config: ApiConfig) {
  let cache = verifiedTokenCaches.get(config);
  if (!cache) {
    cache = new Map();
    verifiedTokenCaches.set(config, cache);
  }
  return cache;
}

function remember(cache: Map<string, VerifiedToken>, token: string, verified: VerifiedToken) {
  cache.delete(token);
  cache.set(token, verified);
  if (cache.size > VERIFIED_TOKENS_MAX) cache.delete(cache.keys().next().value as string);
}

/**
 * Whether jose would still accept a remembered token at `now`, judged more strictly than jose does
 * (no clock tolerance): a token this refuses is verified by jose again, which has the last word, so
 * an expired one still gets its TOKEN_EXPIRED.
 */
function isWithinLifetime(token: VerifiedToken, now: Date, config: ApiConfig) {
  const nowSec = Math.floor(now.getTime() / 1000);
  return token.exp > nowSec && token.iat <= nowSec && nowSec - token.iat < config.accessTokenTtlSec;
}

function accessClaimsOf(payload: JWTPayload): AccessClaims | undefined {
  const role = Role.safeParse(payload.role);
  const sub = payload.sub ?? '';
  const sid = typeof payload.sid === 'string' ? payload.sid : '';
  if (!role.success || !UUID.test(sub) || !UUID.test(sid)) return undefined;
  return { userId: sub, sessionId: sid, role: role.data };
}

function invalidToken() {
  return new DomainError('INVALID_TOKEN', 'Invalid or expired credentials');
}

/** A device token is no access token (and the other way round): each verifier pins its own `typ`. */
const DEVICE_TOKEN_TYP = 'device+jwt';
const DEVICE_TOKEN_MAX_CHARS = 1024;
const DEVICE_NONCE = /^[A-Za-z0-9_-]{22}$/;

export type DeviceClaims = { userId: string; nonce: string };

/**
 * OWASP's device cookie: proof that this client once signed in to `userId`, naming the device by a
 * random nonce (128 bits). It authenticates nothing; it only picks the login throttle (auth/throttle.ts).
 */
export function signDeviceToken(ctx: TokenContext, userId: string) {
  return signToken(ctx, {
    typ: DEVICE_TOKEN_TYP,
    subject: userId,
    jti: randomBytes(16).toString('base64url'),
    ttlSec: ctx.config.deviceTokenTtlSec,
    claims: {},
  });
}

/** The claims of a valid device token; null for a missing, forged, expired or malformed one (never throws). */
export async function verifyDeviceToken(
  { config, now }: TokenContext,
  token: string | null | undefined,
): Promise<DeviceClaims | null> {
  if (!token || token.length > DEVICE_TOKEN_MAX_CHARS) return null;
  try {
    const { payload } = await jwtVerify(token, keyByKid(config.jwtKeys), {
      algorithms: [ALGORITHM],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      typ: DEVICE_TOKEN_TYP,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SEC,
      maxTokenAge: config.deviceTokenTtlSec + CLOCK_TOLERANCE_SEC,
      currentDate: now,
    });
    const sub = payload.sub ?? '';
    const jti = payload.jti ?? '';
    return UUID.test(sub) && DEVICE_NONCE.test(jti) ? { userId: sub, nonce: jti } : null;
  } catch {
    return null;
  }
}

/** SHA-256, base64url: how refresh secrets and API key secrets are stored (high-entropy, so no KDF). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time comparison of two stored-hash strings. */
export function hashesEqual(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** 256 random bits, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

const REFRESH_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/** `<session id>.<secret>`: looked up by id, the secret compared by hash. */
export function formatRefreshToken(sessionId: string, secret: string) {
  return `${sessionId}.${secret}`;
}

export function parseRefreshToken(token: string): { sessionId: string; secret: string } | undefined {
  const match = REFRESH_TOKEN.exec(token);
  return match ? { sessionId: match[1]!, secret: match[2]! } : undefined;
}
