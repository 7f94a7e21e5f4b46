import { serialize } from 'cookie';

/**
 * Cookie names: `__Host-` in production forces Secure, Path=/ and no Domain. Over plain-http
 * development the prefix (and Secure) cannot be used.
 */
export function cookieNames(isProduction: boolean) {
  const prefix = isProduction ? '__Host-' : '';
  return { access: `${prefix}sb_at`, refresh: `${prefix}sb_rt` } as const;
}

export function serializeAuthCookie(name: string, value: string, maxAgeSec: number, isProduction: boolean) {
  return serialize(name, value, {
    httpOnly: true,
    secure: isProduction,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeSec)),
  });
}
