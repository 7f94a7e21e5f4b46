import { isDataException, isUniqueViolation, pgErrorInfo } from '@skillbytes/db';
import { APP_ERRORS, type AppCode } from '@skillbytes/shared';
import { TRPCError } from '@trpc/server';

/**
 * The one error type domain code throws. `appCode` is stable and travels to the client as
 * `error.data.appCode`; `details` (safe, structured) as `error.data.details`.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly appCode: AppCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(appCode: AppCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.appCode = appCode;
    this.details = details;
  }
}

/** Unique constraints whose violation means something to the user. */
const UNIQUE_CONSTRAINTS: Record<string, AppCode> = {
  users_email_key: 'EMAIL_TAKEN',
  users_username_lower_key: 'USERNAME_TAKEN',
  challenges_slug_key: 'SLUG_TAKEN',
};

const UNIQUE_MESSAGES: Partial<Record<AppCode, string>> = {
  EMAIL_TAKEN: 'An account with this email already exists',
  USERNAME_TAKEN: 'This username is taken',
  SLUG_TAKEN: 'A challenge with this slug already exists',
};

/** Maps anything a resolver threw to the TRPCError the client sees. The only place this happens. */
export function toTRPCError(error: TRPCError): TRPCError {
  const cause = error.cause;
  if (cause instanceof DomainError) {
    return new TRPCError({ code: APP_ERRORS[cause.appCode], message: cause.message, cause });
  }
  if (error.code === 'INTERNAL_SERVER_ERROR' && cause && isUniqueViolation(cause)) {
    const appCode = UNIQUE_CONSTRAINTS[pgErrorInfo(cause)?.constraint ?? ''] ?? 'CONFLICT';
    return new TRPCError({
      code: 'CONFLICT',
      message: UNIQUE_MESSAGES[appCode] ?? 'This conflicts with existing data',
      cause: new DomainError(appCode, UNIQUE_MESSAGES[appCode] ?? 'Conflict'),
    });
  }
  // Input the schemas let through but the database cannot take is still bad input, not a 500; the
  // database's own message (which may quote the value) is never echoed.
  if (error.code === 'INTERNAL_SERVER_ERROR' && cause && isDataException(cause)) {
    const message = 'A value in this request cannot be stored or compared (malformed or out of range)';
    return new TRPCError({
      code: 'BAD_REQUEST',
      message,
      cause: new DomainError('VALIDATION_FAILED', message),
    });
  }
  return error;
}

/** The appCode for an error that did not come from domain code. */
export function defaultAppCode(code: TRPCError['code']): AppCode {
  switch (code) {
    case 'BAD_REQUEST':
    case 'PARSE_ERROR':
      return 'VALIDATION_FAILED';
    case 'UNAUTHORIZED':
      return 'UNAUTHENTICATED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'CONFLICT':
      return 'CONFLICT';
    case 'PAYLOAD_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 'METHOD_NOT_SUPPORTED':
      return 'METHOD_NOT_ALLOWED';
    case 'TOO_MANY_REQUESTS':
      return 'RATE_LIMITED';
    case 'SERVICE_UNAVAILABLE':
      return 'SERVICE_UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}
