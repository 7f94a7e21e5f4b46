import { z } from 'zod';
import { Language, Role } from './enums.ts';
import { LIMITS } from './limits.ts';

export const Email = z
  .string()
  .trim()
  .max(LIMITS.emailMax)
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((e) => e.toLowerCase());

export const Username = z
  .string()
  .trim()
  .min(LIMITS.usernameMin)
  .max(LIMITS.usernameMax)
  .regex(/^[A-Za-z0-9_]+$/, 'Use letters, digits and underscores only');

/** Hashed exactly as sent: no trimming, no case change, any characters (NIST 800-63B). */
export const Password = z.string().min(LIMITS.passwordMin).max(LIMITS.passwordMax);

/** Only the length bound: a current password is checked against the stored hash, never re-validated. */
export const CurrentPassword = z.string().min(1).max(LIMITS.passwordMax);

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'Unknown IANA time zone' },
  );

export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(LIMITS.tagMax)
  .regex(/^[a-z0-9][a-z0-9 +#.-]*$/, 'Tags use letters, digits, spaces and + # . -');

/** Ask for the tokens in the response body (native clients such as the CLI); browsers use cookies. */
export const TokenDelivery = z.enum(['cookie', 'body']);

export const SignupInput = z
  .object({
    email: Email,
    password: Password,
    username: Username.optional(),
    name: z.string().trim().min(1).max(LIMITS.nameMax).optional(),
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict();
export type SignupInput = z.input<typeof SignupInput>;

/** An email (contains '@') or a username; looked up case-insensitively, never validated further (no oracle). */
export const LoginIdentifier = z.string().trim().min(1).max(LIMITS.emailMax);

export const LoginInput = z
  .object({
    identifier: LoginIdentifier,
    password: CurrentPassword,
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict();
export type LoginInput = z.input<typeof LoginInput>;

/**
 * `<session id>.<256-bit secret, base64url>` (80 characters). The exact shape is checked by the server,
 * so anything else that fits here (an access token, an API key) is an UNAUTHORIZED, not a 400.
 */
export const RefreshToken = z.string().min(1).max(1024);

export const RefreshInput = z
  .object({
    /** Native clients send the refresh token here; browsers send it as a cookie. */
    refreshToken: RefreshToken.optional(),
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict()
  .optional();
export type RefreshInput = z.input<typeof RefreshInput>;

export const UpdateProfileInput = z
  .object({
    name: z.string().trim().min(1).max(LIMITS.nameMax).optional(),
    username: Username.optional(),
    preferences: z.array(Tag).max(LIMITS.preferencesMax).optional(),
    language: Language.optional(),
    timezone: TimeZone.optional(),
  })
  .strict();
export type UpdateProfileInput = z.input<typeof UpdateProfileInput>;

/**
 * The current session is replaced by a new one; its tokens come back as cookies, or in the body when
 * `tokenDelivery: 'body'` is asked by a caller that authenticated with a Bearer token.
 */
export const ChangePasswordInput = z
  .object({
    currentPassword: CurrentPassword,
    newPassword: Password,
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict();
export type ChangePasswordInput = z.input<typeof ChangePasswordInput>;

export const DeleteAccountInput = z.object({ password: CurrentPassword }).strict();
export type DeleteAccountInput = z.input<typeof DeleteAccountInput>;

export const IdInput = z.object({ id: z.uuid() }).strict();
export type IdInput = z.input<typeof IdInput>;

/** What `auth.signup`, `auth.login` and `auth.refresh` answer. Tokens appear only with `tokenDelivery: 'body'`. */
export type AuthTokens = {
  /** When the access token expires (refresh before then). */
  expiresAt: Date;
  /** When the session ends at the latest (absolute lifetime). */
  sessionExpiresAt: Date;
  accessToken?: string;
  refreshToken?: string;
};

/** One signed-in device in `auth.sessions.list`; never the refresh secret or its hash. */
export type SessionInfo = {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  /** Coarse: an IPv4 /24 or IPv6 /48 network, enough to recognise a place, not a device. */
  ip: string | null;
  current: boolean;
};

export const Profile = z.object({
  id: z.uuid(),
  email: z.string(),
  username: z.string().nullable(),
  name: z.string().nullable(),
  role: Role,
  preferences: z.array(z.string()),
  language: Language,
  timezone: z.string(),
  points: z.number().int(),
  currentStreak: z.number().int(),
  bestStreak: z.number().int(),
  createdAt: z.date(),
});
export type Profile = z.infer<typeof Profile>;
