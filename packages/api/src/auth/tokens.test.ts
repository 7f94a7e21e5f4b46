import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { defaultApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import {
  formatRefreshToken,
  hashesEqual,
  newSecret,
  parseRefreshToken,
  sha256,
  ExpiredAccessToken,
  signAccessToken,
  verifyAccessToken,
} from './tokens.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const current = { kid: 'k2', secret: enc('current-secret-current-secret-0123456789') };
const previous = { kid: 'k1', secret: enc('previous-secret-previous-secret-01234567') };
const config = defaultApiConfig({ jwtKeys: [current, previous], mfaEncryptionKey: new Uint8Array(32) });
const now = new Date('2026-03-02T12:00:00Z');
const iat = Math.floor(now.getTime() / 1000);
const claims = {
  userId: '11111111-1111-4111-8111-111111111111',
  sessionId: '22222222-2222-4222-8222-222222222222',
  role: 'user' as const,
};

/** A token built by hand, so each test can break exactly one thing. */
function craft(
  opts: {
    header?: Record<string, unknown>;
    payload?: Record<string, unknown>;
    omit?: string[];
    key?: Uint8Array;
  } = {},
) {
  const payload: Record<string, unknown> = {
    sub: claims.userId,
    sid: claims.sessionId,
    role: 'user',
    jti: 'jti-1',
    iat,
    exp: iat + 900,
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    ...opts.payload,
  };
  for (const k of opts.omit ?? []) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', kid: current.kid, typ: 'at+jwt', ...opts.header } as never)
    .sign(opts.key ?? current.secret);
}

async function refused(token: string | Promise<string>, at = now, appCode = 'INVALID_TOKEN') {
  const error = await verifyAccessToken({ config, now: at }, await token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).appCode).toBe(appCode);
  return error as DomainError;
}

describe('access tokens', () => {
  it('carry sub, sid, role, jti, iat, exp, iss, aud and a kid + at+jwt header, and verify', async () => {
    const { token, expiresAt } = await signAccessToken({ config, now }, claims);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', kid: 'k2', typ: 'at+jwt' });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'role', 'sid', 'sub']);
    expect(payload.exp - payload.iat).toBe(900);
    expect(expiresAt.getTime()).toBe((iat + 900) * 1000);
    expect(await verifyAccessToken({ config, now }, token)).toMatchObject(claims);
  });

  it('refuses alg none', async () => {
    const unsecured = new UnsecuredJWT({ sub: claims.userId, sid: claims.sessionId, role: 'user', jti: 'x' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .setIssuer(config.jwtIssuer)
      .setAudience(config.jwtAudience)
      .encode();
    await refused(unsecured);
  });

  it('refuses an HS256 token signed with a key we do not have', async () => {
    await refused(craft({ key: enc('attacker-secret-attacker-secret-012345678') }));
  });

  it('refuses other algorithms, even with a kid we know (RS256, HS512)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ sid: claims.sessionId, role: 'admin', jti: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'at+jwt' })
      .setSubject(claims.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .setIssuer(config.jwtIssuer)
      .setAudience(config.jwtAudience)
      .sign(privateKey);
    await refused(rs);
    await refused(craft({ header: { alg: 'HS512' }, key: new Uint8Array(64).fill(1) }));
  });

  it.each(['exp', 'iat', 'sub', 'sid', 'jti'])('refuses a token without %s', async (claim) => {
    await refused(craft({ omit: [claim] }));
  });

  it('refuses another issuer, another audience or another token type', async () => {
    await refused(craft({ payload: { iss: 'someone-else' } }));
    await refused(craft({ payload: { aud: 'another-api' } }));
    await refused(craft({ header: { typ: 'JWT' } }));
  });

  it('allows 5 seconds of clock skew and no more', async () => {
    const token = await craft();
    const expiry = (iat + 900) * 1000;
    await expect(verifyAccessToken({ config, now: new Date(expiry + 3000) }, token)).resolves.toBeTruthy();
    await refused(token, new Date(expiry + 6000), 'TOKEN_EXPIRED');
  });

  it('a token verified before is judged against the clock again every time (the verified-token cache)', async () => {
    const token = await craft({ payload: { jti: 'cached-1' } });
    await expect(verifyAccessToken({ config, now }, token)).resolves.toMatchObject(claims);
    const expiry = (iat + 900) * 1000;
    await refused(token, new Date(expiry + 6000), 'TOKEN_EXPIRED');
    await expect(verifyAccessToken({ config, now: new Date(expiry + 3000) }, token)).resolves.toBeTruthy();
    // An instant before its iat (past the skew allowed) refuses it as jose does, remembered or not.
    await refused(token, new Date(iat * 1000 - 10_000));
    await expect(verifyAccessToken({ config, now }, token)).resolves.toMatchObject(claims);
    // The same text with a changed signature is verified afresh, and refused.
    const [head, body, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    await refused(`${head}.${body}.${flipped}`);
    // Another configuration (another process) trusts nothing this one verified.
    const other = defaultApiConfig({ jwtKeys: [previous], mfaEncryptionKey: new Uint8Array(32) });
    const error = await verifyAccessToken({ config: other, now }, token).catch((e: unknown) => e);
    expect((error as DomainError).appCode).toBe('INVALID_TOKEN');
  });

  it('tells an expired genuine token (TOKEN_EXPIRED, with its claims) from a forged expired one', async () => {
    const later = new Date((iat + 901) * 1000 + 5000);
    const expired = await refused(craft(), later, 'TOKEN_EXPIRED');
    expect(expired).toBeInstanceOf(ExpiredAccessToken);
    expect((expired as ExpiredAccessToken).claims).toEqual(claims);
    // Only a token that passes every other check is "expired": a forged or foreign one stays invalid.
    await refused(craft({ key: enc('attacker-secret-attacker-secret-012345678') }), later);
    await refused(craft({ payload: { aud: 'another-api' } }), later);
    await refused(craft({ payload: { role: 'superuser' } }), later);
  });

  it('refuses a far-future exp beyond the access lifetime (older than the lifetime: expired)', async () => {
    await refused(craft({ payload: { iat: iat - 3600, exp: iat + 86_400 } }), now, 'TOKEN_EXPIRED');
  });

  it('picks the key by kid from configuration: the previous key still verifies, an unknown kid does not', async () => {
    await expect(
      verifyAccessToken({ config, now }, await craft({ header: { kid: 'k1' }, key: previous.secret })),
    ).resolves.toBeTruthy();
    await refused(craft({ header: { kid: 'k9' } }));
    await refused(craft({ header: { kid: 'k1' } })); // current key under the old kid
    // After the old key is removed, its tokens fail.
    const rotated = defaultApiConfig({ jwtKeys: [current], mfaEncryptionKey: new Uint8Array(32) });
    const old = await craft({ header: { kid: 'k1' }, key: previous.secret });
    await expect(verifyAccessToken({ config: rotated, now }, old)).rejects.toBeInstanceOf(DomainError);
  });

  it('ignores key material named in the header (jwk, jku)', async () => {
    const attacker = enc('attacker-secret-attacker-secret-012345678');
    await refused(
      craft({
        header: { kid: undefined, jwk: { kty: 'oct', k: Buffer.from(attacker).toString('base64url') } },
        key: attacker,
      }),
    );
    await refused(craft({ header: { jku: 'https://evil.example/jwks' }, key: attacker }));
  });

  it('refuses a role outside the enum and ids that are not UUIDs', async () => {
    await refused(craft({ payload: { role: 'superuser' } }));
    await refused(craft({ payload: { sub: 'admin' } }));
    await refused(craft({ payload: { sid: 42 } }));
  });

  it('refuses garbage and oversized tokens without throwing anything else', async () => {
    for (const junk of ['', 'a.b.c', 'not a token', `${'x'.repeat(5000)}`, '....']) await refused(junk);
  });
});

describe('refresh tokens', () => {
  it('are <session id>.<43 base64url chars of 256 random bits>, and parse back', () => {
    const secret = newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const token = formatRefreshToken(claims.sessionId, secret);
    expect(parseRefreshToken(token)).toEqual({ sessionId: claims.sessionId, secret });
    expect(newSecret()).not.toBe(secret);
  });

  it.each([
    '',
    'x',
    `${claims.sessionId}.`,
    `${claims.sessionId}.${'a'.repeat(42)}`,
    `X${claims.sessionId}.${'a'.repeat(43)}`,
  ])('refuses the malformed token %j', (token) => {
    expect(parseRefreshToken(token)).toBeUndefined();
  });

  it('compares stored hashes in constant time and by value', () => {
    const h = sha256('secret');
    expect(hashesEqual(h, sha256('secret'))).toBe(true);
    expect(hashesEqual(h, sha256('other'))).toBe(false);
    expect(hashesEqual(null, h)).toBe(false);
    expect(hashesEqual('short', h)).toBe(false);
  });
});
