import { z } from 'zod';
import { Language, Role } from './enums.ts';
import { LIMITS } from './limits.ts';
import { text } from './text.ts';

export const Email = text()
  .trim()
  .max(LIMITS.emailMax)
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((e) => e.toLowerCase());

export const Username = text()
  .trim()
  .min(LIMITS.usernameMin)
  .max(LIMITS.usernameMax)
  .regex(/^[A-Za-z0-9_]+$/, 'Use letters, digits and underscores only');

/**
 * Hashed exactly as sent: no trimming, no case change, any characters (NIST 800-63B) but the ones
 * `text()` refuses everywhere; an unpaired surrogate has no UTF-8 form, so two passwords would hash alike.
 */
export const Password = text().min(LIMITS.passwordMin).max(LIMITS.passwordMax);

/** Only the length bound: a current password is checked against the stored hash, never re-validated. */
export const CurrentPassword = text().min(1).max(LIMITS.passwordMax);

export const TimeZone = text()
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

export const Tag = text()
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
    name: text().trim().min(1).max(LIMITS.nameMax).optional(),
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict();
export type SignupInput = z.input<typeof SignupInput>;

/** Checked by the server (signature, account, expiry); anything that fails is treated as absent. */
export const DeviceToken = text().max(1024);

/** An email (contains '@') or a username; looked up case-insensitively, never validated further (no oracle). */
export const LoginIdentifier = text().trim().min(1).max(LIMITS.emailMax);

export const LoginInput = z
  .object({
    identifier: LoginIdentifier,
    password: CurrentPassword,
    tokenDelivery: TokenDelivery.default('cookie'),
    /**
     * The device token an earlier login of this account gave a native client (browsers send it as a
     * cookie). Optional; with it, other people's wrong guesses do not throttle this device.
     */
    deviceToken: DeviceToken.optional(),
  })
  .strict();
export type LoginInput = z.input<typeof LoginInput>;

/**
 * `<session id>.<256-bit secret, base64url>` (80 characters). The exact shape is checked by the server,
 * so anything else that fits here (an access token, an API key) is an UNAUTHORIZED, not a 400.
 */
export const RefreshToken = text().min(1).max(1024);

export const RefreshInput = z
  .object({
    /** Native clients send the refresh token here; browsers send it as a cookie. */
    refreshToken: RefreshToken.optional(),
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict()
  .optional();
export type RefreshInput = z.input<typeof RefreshInput>;

/** Signs out with the access token, or with the refresh token alone (an expired or absent access token). */
export const LogoutInput = z
  .object({
    /** Native clients whose access token expired send their refresh token here; browsers send the cookie. */
    refreshToken: RefreshToken.optional(),
  })
  .strict()
  .nullish();
export type LogoutInput = z.input<typeof LogoutInput>;

export const UpdateProfileInput = z
  .object({
    name: text().trim().min(1).max(LIMITS.nameMax).optional(),
    username: Username.optional(),
    preferences: z.array(Tag).max(LIMITS.preferencesMax).optional(),
    language: Language.optional(),
    timezone: TimeZone.optional(),
    /** Whether others who solved a challenge may read this user's solution of it. */
    shareSolutions: z.boolean().optional(),
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

/** A password reset link's token: 256 random bits, base64url. Anything else is refused as it would be unknown. */
export const ResetToken = text().max(128);

export const ResetPasswordInput = z.object({ token: ResetToken, newPassword: Password }).strict();
export type ResetPasswordInput = z.input<typeof ResetPasswordInput>;

export const RequestPasswordResetInput = z.object({ email: Email }).strict();
export type RequestPasswordResetInput = z.input<typeof RequestPasswordResetInput>;

/** What `admin.users.issuePasswordReset` answers: the one-time link (shown once) and when it stops working. */
export type PasswordResetLink = { url: string; expiresAt: Date };
/** A TOTP code: six digits (spaces a user may type between groups are dropped). */
export const TotpCode = text()
  .max(16)
  .transform((v) => v.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app'));

/** A recovery code as `auth.mfa.enable` shows it (`xxxxx-xxxxx`, base32); case and dashes are not significant. */
export const RecoveryCode = text()
  .max(64)
  .transform((v) => v.replace(/[\s-]/g, '').toLowerCase())
  .pipe(z.string().regex(/^[a-z2-7]{10}$/, 'Enter a recovery code as shown (xxxxx-xxxxx)'));

/** The opaque token `auth.login` answers with `mfaRequired`. */
export const MfaToken = text().min(1).max(256);

export const MfaSetupInput = z.object({ password: CurrentPassword }).strict();
export type MfaSetupInput = z.input<typeof MfaSetupInput>;

export const MfaEnableInput = z.object({ code: TotpCode }).strict();
export type MfaEnableInput = z.input<typeof MfaEnableInput>;

/** The password and a current TOTP code, or one of the recovery codes (a lost phone is what disable is for). */
export const MfaDisableInput = z
  .object({ password: CurrentPassword, code: TotpCode.optional(), recoveryCode: RecoveryCode.optional() })
  .strict()
  .refine((v) => (v.code === undefined) !== (v.recoveryCode === undefined), {
    message: 'Give either code or recoveryCode',
  });
export type MfaDisableInput = z.input<typeof MfaDisableInput>;

/** Completes a login that answered `mfaRequired`: exactly one of `code` and `recoveryCode`. */
export const MfaVerifyInput = z
  .object({ mfaToken: MfaToken, code: TotpCode.optional(), recoveryCode: RecoveryCode.optional() })
  .strict()
  .refine((v) => (v.code === undefined) !== (v.recoveryCode === undefined), {
    message: 'Give either code or recoveryCode',
  });
export type MfaVerifyInput = z.input<typeof MfaVerifyInput>;

/** Step-up: the password, or a TOTP code when the account has TOTP on. Exactly one. */
export const ReauthenticateInput = z
  .object({ password: CurrentPassword.optional(), code: TotpCode.optional() })
  .strict()
  .refine((v) => (v.password === undefined) !== (v.code === undefined), {
    message: 'Give either password or code',
  });
export type ReauthenticateInput = z.input<typeof ReauthenticateInput>;

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
  /** `auth.signup`/`auth.login` only: send it back as `deviceToken` with later logins. */
  deviceToken?: string;
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
  /** The zone in effect now. */
  timezone: z.string(),
  /** A requested zone not yet in effect, and when it takes over (the start of the user's next local day). */
  pendingTimezone: z.string().nullable(),
  pendingTimezoneAt: z.date().nullable(),
  points: z.number().int(),
  currentStreak: z.number().int(),
  bestStreak: z.number().int(),
  shareSolutions: z.boolean(),
  /** A TOTP second factor is on: logins answer `mfaRequired` after the password. */
  mfaEnabled: z.boolean(),
  createdAt: z.date(),
});
export type Profile = z.infer<typeof Profile>;

/** `auth.me` and `auth.session`: the profile, and when this request's access token expires. */
export type Me = Profile & {
  /** When the access token this request presented expires (refresh before then); null for an API key. */
  expiresAt: Date | null;
};
