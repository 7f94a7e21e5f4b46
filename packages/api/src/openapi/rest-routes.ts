import type { AnyTRPCProcedure, inferProcedureOutput } from '@trpc/server';
import type { AppRouter } from '../root.ts';
import type { RESPONSES } from './responses.ts';

type Leaves<R, P extends string = ''> = {
  [K in keyof R & string]: R[K] extends AnyTRPCProcedure ? [`${P}${K}`, R[K]] : Leaves<R[K], `${P}${K}.`>;
}[keyof R & string];

type Procedures = Leaves<AppRouter['_def']['record']>;

/** Every procedure path of the router: `auth.signup`, `auth.sessions.list`, ... */
type ProcedurePath = Procedures[0];

/** What a procedure answers (Dates are Dates: over REST they are ISO strings). */
export type ProcedureOutput<P extends ProcedurePath> = inferProcedureOutput<
  Extract<Procedures, [P, unknown]>[1]
>;

/**
 * Who may call a route: anyone; a signed-in user (or an API key); or anyone, with a bearer used when
 * one is sent.
 */
export type Access = 'public' | 'user' | 'optional';

type RouteInfo = {
  summary: string;
  description?: string;
  access: Access;
  /**
   * The procedure takes `tokenDelivery`: over REST it is always `'body'` (REST clients have no cookie
   * jar the API would use), which the adapter fills in when it is absent.
   */
  tokensInBody?: true;
};

/**
 * The procedures served as plain-JSON REST routes: the public and user ones. Path and method follow
 * from the procedure (restPath, and GET for a query, POST for a mutation); the answer's schema is in
 * responses.ts. Every other procedure is in NOT_REST, with the reason.
 */
export const REST_ROUTES = {
  'auth.signup': {
    summary: 'Create an account and sign in',
    access: 'public',
    tokensInBody: true,
  },
  'auth.login': {
    summary: 'Sign in with an email or username and a password',
    description:
      'Wrong credentials answer 401 `INVALID_CREDENTIALS`; repeated failures 429 `RATE_LIMITED`. For an account with an authenticator app the right password answers `{mfaRequired: true, mfaToken}` and no session: complete it with `POST /api/auth/mfa/verify`.',
    access: 'public',
    tokensInBody: true,
  },
  'auth.refresh': {
    summary: 'Rotate the refresh token and get a new access token',
    description:
      'Send the `refreshToken` from the last sign-in or refresh; each refresh token works once (a replayed one revokes the session).',
    access: 'public',
    tokensInBody: true,
  },
  'auth.logout': {
    summary: 'Sign this session out',
    description: 'With the bearer access token, or with `refreshToken` alone once the access token expired.',
    access: 'optional',
  },
  'auth.me': { summary: 'The signed-in profile', access: 'user' },
  'auth.session': {
    summary: 'The signed-in profile, or null',
    description:
      'Never 401 for a missing bearer; an expired access token of a live session answers 401 `TOKEN_EXPIRED`.',
    access: 'optional',
  },
  'auth.updateProfile': {
    summary: 'Change name, username, preferences, language or time zone',
    access: 'user',
  },
  'auth.changePassword': {
    summary: 'Change the password',
    description:
      'Revokes every other session; this session is replaced by a new one, whose tokens are answered.',
    access: 'user',
    tokensInBody: true,
  },
  'auth.sessions.list': { summary: 'The signed-in devices', access: 'user' },
  'auth.sessions.revoke': { summary: 'Sign one device out', access: 'user' },
  'auth.sessions.revokeOthers': { summary: 'Sign every other device out', access: 'user' },
  'auth.deleteAccount': {
    summary: 'Delete the account',
    description:
      'Revokes every session; the user disappears from leaderboards. Needs a recent authentication (else 403 `REAUTH_REQUIRED`).',
    access: 'user',
  },
  'auth.mfa.setup': {
    summary: 'Start setting up an authenticator app (TOTP)',
    description: 'Answers a new secret, not in use until `enable` confirms a code from it.',
    access: 'user',
  },
  'auth.mfa.enable': {
    summary: 'Turn the authenticator app on with a code from it',
    description: 'Answers ten single-use recovery codes, once. Needs a recent authentication.',
    access: 'user',
  },
  'auth.mfa.disable': {
    summary: 'Turn the authenticator app off',
    description: 'With the password and a TOTP code or a recovery code. Needs a recent authentication.',
    access: 'user',
  },
  'auth.mfa.verify': {
    summary: 'Complete a sign-in that answered mfaRequired',
    description:
      'With the `mfaToken` and a TOTP `code` or a `recoveryCode`; the tokens come back as the login asked for them. Wrong codes answer 401 `INVALID_MFA_CODE`, repeated ones 429 `RATE_LIMITED`; a used or expired token 401 `MFA_TOKEN_INVALID`.',
    access: 'public',
  },
  'auth.reauthenticate': {
    summary: 'Confirm it is you before a sensitive change',
    description:
      'With the `password`, or a TOTP `code` when the authenticator app is on. Sensitive changes answer 403 `REAUTH_REQUIRED` without a recent one.',
    access: 'user',
  },
  'auth.resetPassword': {
    summary: "Set a new password with a reset link's token",
    description:
      'The token is the `token` of the link’s fragment (`/reset-password#token=…`); it works once, for 30 minutes. Revokes every session and opens none: sign in with the new password. A token that is unknown, expired, used or replaced answers 400 `RESET_TOKEN_INVALID`; a weak password 400 `WEAK_PASSWORD` (the token stays usable).',
    access: 'public',
  },
  'auth.requestPasswordReset': {
    summary: 'Mail a password reset link',
    description:
      'Answers `{ok: true}` whether or not an account has this email (only an account receives a mail); 412 `MAIL_NOT_CONFIGURED` on a server that sends no mail, 429 `RATE_LIMITED` when asked too often for one address or from one client.',
    access: 'public',
  },
  'challenges.daily': {
    summary: "Today's challenge",
    description:
      "The same one all day, in the user's time zone. Answers 404 `NO_CHALLENGE_AVAILABLE` when there is none to give.",
    access: 'user',
  },
  'challenges.run': {
    summary: 'Judge code against the visible tests only',
    description: 'Records nothing.',
    access: 'user',
  },
  'challenges.submit': {
    summary: 'Submit a solution',
    description:
      'Judged against every test and recorded; the first accepted submission awards the points and extends the streak.',
    access: 'user',
  },
  'challenges.byId': {
    summary: 'A challenge the user was assigned or completed',
    access: 'user',
  },
  'challenges.completed': { summary: 'Completed challenges, newest first', access: 'user' },
  'challenges.status': {
    summary: 'Completed challenge ids, points, streaks and streak freezes',
    access: 'user',
  },
  'challenges.calendar': {
    summary: 'Assigned, solved and frozen local days, oldest first',
    description:
      'At most 366 days (`from`, `to` as YYYY-MM-DD, both included); by default the last 365 ending today. A bad range answers 400 `CALENDAR_RANGE_INVALID`.',
    access: 'user',
  },
  'challenges.submissions': { summary: 'Own submissions, newest first', access: 'user' },
  'challenges.hint': {
    summary: "A challenge's hint",
    description:
      'Records (once) that the user opened it, shown as `hintUsed` on later submissions; no penalty. Answers 404 `NO_HINT` for a challenge without one.',
    access: 'user',
  },
  'challenges.solutions': {
    summary: "Others' accepted solutions of a challenge, newest first",
    description:
      "Each user's first accepted submission; only after solving it (else 403 `NOT_SOLVED_YET`); users who hid theirs and deleted accounts are left out.",
    access: 'user',
  },
  'challenges.topics': { summary: 'The tags in use, with counts', access: 'public' },
  'inbox.list': { summary: 'Messages, newest first, with read state', access: 'user' },
  'inbox.unreadCount': { summary: 'How many messages are unread', access: 'user' },
  'inbox.markRead': { summary: 'Mark messages (or all) read', access: 'user' },
  'inbox.delete': { summary: 'Hide a message for this user', access: 'user' },
  'leaderboard.top': {
    summary: 'The leaderboard',
    description: 'Ties share a rank (1, 2, 2, 4).',
    access: 'user',
  },
  'leaderboard.me': {
    summary: 'Own rank and points, with the entries just above and below',
    access: 'user',
  },
  'groups.create': { summary: 'Create a private league, owned by the caller', access: 'user' },
  'groups.join': {
    summary: 'Join a league by its invite code',
    description: 'Joining again is a no-op. Wrong codes are rate limited (429 `RATE_LIMITED`).',
    access: 'user',
  },
  'groups.leave': {
    summary: 'Leave a league',
    description: 'An owner hands it to the earliest member; the last member leaving deletes it.',
    access: 'user',
  },
  'groups.list': { summary: 'My leagues, with member counts and my role', access: 'user' },
  'groups.rotateInvite': {
    summary: 'Replace the invite code (owner)',
    description: 'The old code stops working at once.',
    access: 'user',
  },
  'groups.removeMember': {
    summary: 'Remove a member (owner)',
    description: 'They may join again with the current code; rotate it to keep them out.',
    access: 'user',
  },
  'achievements.list': { summary: 'Every achievement, with when the user earned it or null', access: 'user' },
  'health.ping': { summary: 'Answers pong', access: 'public' },
} as const satisfies { [P in keyof typeof RESPONSES]: RouteInfo };

export type RestProcedure = keyof typeof REST_ROUTES;

/**
 * Procedures with no REST route, each with why. Admins have the tRPC API and the CLI; subscriptions
 * are Server-Sent Events, served by tRPC under /trpc.
 */
export const NOT_REST: Record<Exclude<ProcedurePath, RestProcedure>, 'admin' | 'subscription'> = {
  'admin.users.list': 'admin',
  'admin.users.get': 'admin',
  'admin.users.setRole': 'admin',
  'admin.users.revokeSessions': 'admin',
  'admin.users.issuePasswordReset': 'admin',
  'admin.apiKeys.create': 'admin',
  'admin.apiKeys.list': 'admin',
  'admin.apiKeys.revoke': 'admin',
  'admin.stats': 'admin',
  'challenges.create': 'admin',
  'challenges.update': 'admin',
  'challenges.publish': 'admin',
  'challenges.archive': 'admin',
  'challenges.list': 'admin',
  'challenges.get': 'admin',
  'inbox.send': 'admin',
  'inbox.onMessage': 'subscription',
  'leaderboard.onChange': 'subscription',
};

/** `auth.sessions.revokeOthers` → `/api/auth/sessions/revoke-others`; a trailing `list` names the collection. */
export function restPath(procedure: string): string {
  const segments = procedure.split('.').map((s) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  if (segments.length > 1 && segments.at(-1) === 'list') segments.pop();
  return `/api/${segments.join('/')}`;
}

/** `auth.sessions.list` → `authSessionsList`. */
export function operationId(procedure: string): string {
  return procedure
    .split('.')
    .map((s, i) => (i === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1)))
    .join('');
}
