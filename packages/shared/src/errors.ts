/**
 * Stable application error codes, sent as `error.data.appCode` with every tRPC error.
 * The value is the tRPC code (and so the HTTP status) the API answers with.
 */
export const APP_ERRORS = {
  // generic
  VALIDATION_FAILED: 'BAD_REQUEST',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** A REST route called with another HTTP method than its own (the answer's `Allow` names it). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_SUPPORTED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  // auth
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  CSRF_REJECTED: 'FORBIDDEN',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  INVALID_TOKEN: 'UNAUTHORIZED',
  /** The access token expired (or the browser dropped its cookie) but the session may live: refresh, then retry. */
  TOKEN_EXPIRED: 'UNAUTHORIZED',
  SESSION_REVOKED: 'UNAUTHORIZED',
  SESSION_EXPIRED: 'UNAUTHORIZED',
  EMAIL_TAKEN: 'CONFLICT',
  USERNAME_TAKEN: 'CONFLICT',
  EMAIL_DOMAIN_NOT_ALLOWED: 'BAD_REQUEST',
  WEAK_PASSWORD: 'BAD_REQUEST',
  LAST_ADMIN: 'CONFLICT',
  /** A password reset link that is unknown, malformed, expired, already used or superseded: all alike. */
  RESET_TOKEN_INVALID: 'BAD_REQUEST',
  /** auth.requestPasswordReset on a server without SMTP_URL: an admin issues the link instead. */
  MAIL_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  /** A production server without PUBLIC_URL (or PUBLIC_ORIGIN) cannot build a reset link. */
  PUBLIC_URL_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  /** A sensitive change without a recent password or TOTP proof in this session: `auth.reauthenticate`, then retry. */
  REAUTH_REQUIRED: 'FORBIDDEN',
  /** A wrong, used or replayed TOTP or recovery code. */
  INVALID_MFA_CODE: 'UNAUTHORIZED',
  /** An unknown, expired, used or exhausted mfa token: sign in again. */
  MFA_TOKEN_INVALID: 'UNAUTHORIZED',
  /** `auth.mfa.setup` on an account with TOTP already on (disable first). */
  MFA_ALREADY_ENABLED: 'CONFLICT',
  /** `auth.mfa.enable` without a pending setup, `disable` (or a code reauthenticate) without TOTP on. */
  MFA_NOT_ENABLED: 'BAD_REQUEST',
  // real time
  TOO_MANY_STREAMS: 'TOO_MANY_REQUESTS',
  // challenges and judge
  CHALLENGE_NOT_FOUND: 'NOT_FOUND',
  SLUG_TAKEN: 'CONFLICT',
  CHALLENGE_INVALID: 'BAD_REQUEST',
  NO_CHALLENGE_AVAILABLE: 'NOT_FOUND',
  CODE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  LANGUAGE_NOT_ACCEPTED: 'BAD_REQUEST',
  JUDGE_BUSY: 'TOO_MANY_REQUESTS',
  JUDGE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** `challenges.calendar`: more than LIMITS.calendarDaysMax days, or an end after the other. */
  CALENDAR_RANGE_INVALID: 'BAD_REQUEST',
  /** A second time zone change within a week; `details.allowedAt` (and `retryAfter`) say when the next one is. */
  TIMEZONE_CHANGE_TOO_SOON: 'TOO_MANY_REQUESTS',
  /** challenges.hint on a challenge that has none. */
  NO_HINT: 'NOT_FOUND',
  /** challenges.solutions before the caller has solved the challenge. */
  NOT_SOLVED_YET: 'FORBIDDEN',
  // inbox
  MESSAGE_NOT_FOUND: 'NOT_FOUND',
  USER_NOT_FOUND: 'NOT_FOUND',
  // groups (private leagues)
  /** No such group, or the caller is not in it: a non-member cannot tell the two apart. */
  GROUP_NOT_FOUND: 'NOT_FOUND',
  GROUP_FULL: 'CONFLICT',
  TOO_MANY_GROUPS: 'CONFLICT',
  /** No group has this invite code (never had, or it was rotated). */
  INVITE_INVALID: 'NOT_FOUND',
  /** Owner-only action (rotateInvite, removeMember) by a member. */
  NOT_GROUP_OWNER: 'FORBIDDEN',
  /** removeMember on the owner themself: they leave with groups.leave instead. */
  CANNOT_REMOVE_OWNER: 'BAD_REQUEST',
} as const;

export type AppCode = keyof typeof APP_ERRORS;
export type AppErrorTrpcCode = (typeof APP_ERRORS)[AppCode];
export const APP_CODES = Object.keys(APP_ERRORS) as AppCode[];

export function isAppCode(value: unknown): value is AppCode {
  return typeof value === 'string' && Object.hasOwn(APP_ERRORS, value);
}
