import type { AuthTokens } from '@skillbytes/shared';
import { serialize } from 'cookie';
import type { ResponseControl } from '../context.ts';

/**
 * Cookie names: `__Host-` in production forces Secure, Path=/ and no Domain. Over plain-http
 * development the prefix (and Secure) cannot be used.
 */
export function cookieNames(isProduction: boolean) {
  const prefix = isProduction ? '__Host-' : '';
  return { access: `${prefix}sb_at`, refresh: `${prefix}sb_rt`, device: `${prefix}sb_dt` } as const;
}

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); we never ask for more. */
const MAX_COOKIE_AGE_SEC = 400 * 86_400;

export function serializeAuthCookie(name: string, value: string, maxAgeSec: number, isProduction: boolean) {
  return serialize(name, value, {
    httpOnly: true,
    secure: isProduction,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.min(MAX_COOKIE_AGE_SEC, Math.max(0, Math.floor(maxAgeSec))),
  });
}

export type Deliverable = {
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string;
  sessionExpiresAt: Date;
};

/**
 * Hands tokens to the client. Browsers get two HttpOnly cookies and never see the refresh token in
 * JSON (script cannot read it); native clients that asked for `body` get both tokens in the response
 * and send `Authorization: Bearer`. The refresh cookie uses Path=/ (required by `__Host-`), so it rides
 * on every request; it is only ever read by `auth.refresh`.
 */
export function deliverTokens(
  res: ResponseControl,
  isProduction: boolean,
  tokens: Deliverable,
  mode: 'cookie' | 'body',
  now: Date,
): AuthTokens {
  const base = { expiresAt: tokens.accessExpiresAt, sessionExpiresAt: tokens.sessionExpiresAt };
  if (mode === 'body') {
    return { ...base, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  }
  const names = cookieNames(isProduction);
  const secondsUntil = (d: Date) => (d.getTime() - now.getTime()) / 1000;
  res.setCookie(
    serializeAuthCookie(names.access, tokens.accessToken, secondsUntil(tokens.accessExpiresAt), isProduction),
  );
  res.setCookie(
    serializeAuthCookie(
      names.refresh,
      tokens.refreshToken,
      secondsUntil(tokens.sessionExpiresAt),
      isProduction,
    ),
  );
  return base;
}

/**
 * Hands a device token to the client that just proved the password: browsers keep it as a long-lived
 * HttpOnly cookie (not cleared by logout: it names the device, not a session), native clients that
 * asked for `body` get it in the response to send back with their next logins.
 */
export function deliverDeviceToken(
  res: ResponseControl,
  isProduction: boolean,
  device: { token: string; expiresAt: Date },
  mode: 'cookie' | 'body',
  now: Date,
): { deviceToken?: string } {
  if (mode === 'body') return { deviceToken: device.token };
  const maxAgeSec = (device.expiresAt.getTime() - now.getTime()) / 1000;
  res.setCookie(serializeAuthCookie(cookieNames(isProduction).device, device.token, maxAgeSec, isProduction));
  return {};
}

/** Expires both session cookies (same names and attributes, Max-Age=0). */
export function clearAuthCookies(res: ResponseControl, isProduction: boolean) {
  const names = cookieNames(isProduction);
  res.setCookie(serializeAuthCookie(names.access, '', 0, isProduction));
  res.setCookie(serializeAuthCookie(names.refresh, '', 0, isProduction));
}
