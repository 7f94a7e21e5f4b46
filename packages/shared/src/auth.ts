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

export const LoginInput = z
  .object({
    identifier: z.string().trim().min(1).max(LIMITS.emailMax),
    password: CurrentPassword,
    tokenDelivery: TokenDelivery.default('cookie'),
  })
  .strict();
export type LoginInput = z.input<typeof LoginInput>;

export const RefreshInput = z
  .object({
    /** Native clients send the refresh token here; browsers send it as a cookie. */
    refreshToken: z.string().min(1).max(200).optional(),
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

export const ChangePasswordInput = z
  .object({ currentPassword: CurrentPassword, newPassword: Password })
  .strict();
export type ChangePasswordInput = z.input<typeof ChangePasswordInput>;

export const DeleteAccountInput = z.object({ password: CurrentPassword }).strict();
export type DeleteAccountInput = z.input<typeof DeleteAccountInput>;

export const IdInput = z.object({ id: z.uuid() }).strict();
export type IdInput = z.input<typeof IdInput>;

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
