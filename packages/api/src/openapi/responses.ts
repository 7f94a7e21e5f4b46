import {
  ACHIEVEMENTS,
  APP_CODES,
  Difficulty,
  Language,
  LeaderboardWindow,
  Profile,
  TestCase,
  Verdict,
  VerdictStatus,
} from '@skillbytes/shared';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { z } from 'zod';

/**
 * What the REST routes answer, as zod schemas the OpenAPI document is generated from. The procedures
 * declare no output parsers (their types come from the domain code), so these are written here and
 * held to the procedures' real output types by a type test (rest-routes.test.ts): a field added to a
 * procedure's answer and not here fails typecheck, and the HTTP tests validate every answer against
 * the served document. `z.date()` is documented as an RFC 3339 date-time string: JSON has no dates.
 */

/** Named in the document (components.schemas); every other schema is inlined where it is used. */
export const responseNames = z.registry<{ id: string }>();

function named<T extends z.ZodType>(schema: T, id: string): T {
  responseNames.add(schema, { id });
  return schema;
}

const int = () => z.number().int();

const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass it back as `cursor` for the next page; null on the last page'),
  });

const LocalDay = z.string().describe("A calendar date (YYYY-MM-DD) in the user's time zone");

const ProfileResponse = named(Profile, 'Profile');

const Me = named(
  Profile.extend({
    expiresAt: z
      .date()
      .nullable()
      .describe('When the access token of this request expires (refresh before then); null for an API key'),
  }),
  'Me',
);

const tokenFields = {
  expiresAt: z.date().describe('When the access token expires: refresh before then'),
  sessionExpiresAt: z.date().describe('When the session ends at the latest, however often it is refreshed'),
  accessToken: z.string().optional().describe('Send it as `Authorization: Bearer <accessToken>`'),
  refreshToken: z
    .string()
    .optional()
    .describe('Send it to refresh (and to log out once the access token expired)'),
};

const Tokens = named(z.object({ ...tokenFields, deviceToken: z.string().optional() }), 'Tokens');

const SignedIn = named(
  z.object({
    user: ProfileResponse,
    ...tokenFields,
    deviceToken: z
      .string()
      .optional()
      .describe(
        'Send it back as `deviceToken` with later logins: others’ wrong guesses then do not throttle this device',
      ),
  }),
  'SignedIn',
);

const MfaRequired = named(
  z.object({
    mfaRequired: z.literal(true),
    mfaToken: z.string().describe('Send it with a code to `POST /api/auth/mfa/verify`; it works once'),
    expiresAt: z.date().describe('When the token stops working (five minutes): sign in again after that'),
  }),
  'MfaRequired',
);

const SessionInfo = named(
  z.object({
    id: z.string(),
    createdAt: z.date(),
    lastUsedAt: z.date(),
    expiresAt: z.date(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable().describe('Coarse: an IPv4 /24 or IPv6 /48 network'),
    current: z.boolean().describe('The session this request was made with'),
  }),
  'SessionInfo',
);

const Ok = z.object({ ok: z.literal(true) });

const PublicChallenge = named(
  z.object({
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    summary: z.string(),
    description: z.string().describe('The statement, HTML written by admins'),
    difficulty: Difficulty,
    language: z.string().describe('The language of the starter code'),
    languages: z.array(z.string()).describe('The languages solutions are accepted in'),
    tags: z.array(z.string()),
    points: int(),
    functionName: z.string(),
    starterCode: z.string().nullable(),
    hasHint: z.boolean().describe('Whether challenges.hint has a hint for it'),
    tests: z
      .array(named(TestCase, 'TestCase'))
      .describe(
        'The visible tests only; values are JSON, with tags for BigInt, Date, undefined, NaN, ±Infinity, -0, Map and Set',
      ),
    publishedAt: z.date().nullable(),
  }),
  'Challenge',
);

const completionFields = {
  completed: z.boolean(),
  completedAt: z.date().nullable(),
  pointsAwarded: int().nullable(),
};

const ChallengeSummary = named(
  z.object({
    id: z.string(),
    points: int(),
    slug: z.string(),
    title: z.string(),
    summary: z.string(),
    difficulty: Difficulty,
    tags: z.array(z.string()),
  }),
  'ChallengeSummary',
);

const VerdictResponse = named(Verdict, 'Verdict');

const Submission = named(
  z.object({
    id: z.string(),
    challengeId: z.string(),
    challengeTitle: z.string(),
    code: z.string(),
    language: Language,
    status: VerdictStatus,
    passed: int(),
    total: int(),
    verdict: VerdictResponse,
    createdAt: z.date(),
    hintUsed: z.boolean().describe('The hint had been opened before this submission'),
  }),
  'Submission',
);

const InboxItem = named(
  z.object({
    id: z.string(),
    content: z.string(),
    icon: z.string(),
    bannerColor: z.string(),
    createdAt: z.date(),
    isBroadcast: z.boolean().describe('Sent to everyone rather than to this user alone'),
    isRead: z.boolean(),
  }),
  'InboxItem',
);

const LeaderboardEntry = named(
  z.object({ rank: int(), userId: z.string(), username: z.string(), points: int() }),
  'LeaderboardEntry',
);

const GroupInvite = named(
  z.object({ id: z.string(), name: z.string(), inviteCode: z.string() }),
  'GroupInvite',
);

const GroupSummary = named(
  z.object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['owner', 'member']),
    memberCount: int(),
    inviteCode: z.string().nullable().describe('The current invite code, for the owner only'),
    joinedAt: z.date(),
  }),
  'GroupSummary',
);

/** Each REST route's answer, by procedure path. */
export const RESPONSES = {
  'auth.signup': SignedIn,
  'auth.login': z.union([SignedIn, MfaRequired]),
  'auth.refresh': Tokens,
  'auth.logout': Ok,
  'auth.me': Me,
  'auth.session': Me.nullable().describe('The signed-in profile, or null when signed out'),
  'auth.updateProfile': ProfileResponse,
  'auth.changePassword': Tokens,
  'auth.sessions.list': z.array(SessionInfo),
  'auth.sessions.revoke': z.object({
    revoked: int(),
    current: z.boolean().describe('It was the session of this request: sign in again'),
  }),
  'auth.sessions.revokeOthers': z.object({ revoked: int() }),
  'auth.deleteAccount': Ok.extend({ restorableForDays: int() }),
  'auth.resetPassword': Ok,
  'auth.requestPasswordReset': Ok,
  'auth.mfa.setup': z.object({
    secret: z.string().describe('Base32, for typing into an authenticator app'),
    otpauthUri: z.string().describe('The `otpauth://totp/...` URI to show as a QR code'),
  }),
  'auth.mfa.enable': z.object({
    recoveryCodes: z.array(z.string()).describe('Ten single-use codes, shown only this once'),
  }),
  'auth.mfa.disable': Ok,
  'auth.mfa.verify': SignedIn,
  'auth.reauthenticate': z.object({
    reauthenticatedAt: z.date(),
    windowSec: int().describe('Sensitive changes are allowed for this long from `reauthenticatedAt`'),
  }),
  'challenges.daily': z.object({ day: LocalDay, challenge: PublicChallenge, ...completionFields }),
  'challenges.run': z.object({ verdict: VerdictResponse }),
  'challenges.submit': z.object({
    verdict: VerdictResponse,
    submissionId: z.string(),
    awarded: int().describe(
      "Points paid by this submission: the challenge's points on the first accept, else 0",
    ),
    firstCompletion: z.boolean(),
    streak: z.object({ current: int(), best: int() }),
  }),
  'challenges.byId': z.object({ challenge: PublicChallenge, ...completionFields }),
  'challenges.completed': page(
    z.object({ challenge: ChallengeSummary, pointsAwarded: int(), completedAt: z.date(), day: LocalDay }),
  ),
  'challenges.status': z.object({
    completedIds: z.array(z.string()),
    points: int(),
    currentStreak: int(),
    bestStreak: int(),
    freezes: z.object({ held: int(), max: int() }),
  }),
  'challenges.calendar': z.object({
    days: z.array(
      z.object({ date: LocalDay, assigned: z.boolean(), solved: z.boolean(), frozen: z.boolean() }),
    ),
  }),
  'challenges.submissions': page(Submission),
  'challenges.hint': z.object({ hint: z.string() }),
  'challenges.solutions': page(
    z.object({ username: z.string().nullable(), language: Language, code: z.string(), solvedAt: z.date() }),
  ),
  'challenges.topics': z.array(z.object({ tag: z.string(), count: int() })),
  'inbox.list': page(InboxItem),
  'inbox.unreadCount': z.object({ unreadCount: int() }),
  'inbox.markRead': z.object({ unreadCount: int() }),
  'inbox.delete': z.object({ id: z.string() }),
  'leaderboard.top': page(LeaderboardEntry).extend({ window: LeaderboardWindow }),
  'leaderboard.me': z.object({
    window: LeaderboardWindow,
    rank: int().nullable().describe('Null in the weekly window without points this week'),
    points: int(),
    username: z.string(),
    above: z.array(LeaderboardEntry).describe('Up to two entries just above, in board order'),
    below: z.array(LeaderboardEntry).describe('Up to two entries just below, in board order'),
  }),
  'groups.create': GroupInvite,
  'groups.join': GroupSummary,
  'groups.leave': z.object({
    groupId: z.string(),
    deleted: z.boolean().describe('The caller was the last member: the group is gone'),
  }),
  'groups.list': z.object({ items: z.array(GroupSummary) }),
  'groups.rotateInvite': GroupInvite,
  'groups.removeMember': z.object({ groupId: z.string(), userId: z.string() }),
  'achievements.list': z.array(
    named(
      z.object({
        id: z.enum(ACHIEVEMENTS.map((a) => a.id)).describe('Stable id (ACHIEVEMENTS in @skillbytes/shared)'),
        title: z.string(),
        description: z.string(),
        earnedAt: z.date().nullable(),
      }),
      'Achievement',
    ),
  ),
  'health.ping': z.object({ msg: z.literal('pong') }),
} as const;

type TrpcCode = keyof typeof TRPC_ERROR_CODES_BY_KEY;

/** The body of every REST error (written by apps/server's rest-api.ts), named `Error` in the document. */
named(
  z.object({
    error: z.object({
      code: z
        .enum(Object.keys(TRPC_ERROR_CODES_BY_KEY) as [TrpcCode, ...TrpcCode[]])
        .describe("tRPC's error code; the HTTP status is tRPC's for it"),
      appCode: z.enum(APP_CODES as [string, ...string[]]).describe('Stable: what went wrong, for programs'),
      message: z.string().describe('For people; may change'),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Structured facts about some errors, e.g. `retryAfter` (seconds) when rate limited'),
      issues: z
        .object({
          formErrors: z.array(z.string()),
          fieldErrors: z.record(z.string(), z.array(z.string())),
        })
        .optional()
        .describe('Validation errors: the input schema’s issues, flattened by field'),
    }),
  }),
  'Error',
);
