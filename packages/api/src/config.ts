/**
 * What the API needs to know about its deployment. The server builds this from its validated
 * environment; tests build it with `defaultApiConfig()` and a test signing key.
 */
export type ApiConfig = {
  isProduction: boolean;
  /** Origins (scheme://host[:port]) allowed to make cookie-authenticated calls besides the server's own. */
  corsOrigins: string[];
  /** Access-token signing keys; the first signs, all verify (rotation by `kid`). */
  jwtKeys: { kid: string; secret: Uint8Array }[];
  /** AES-256-GCM key (32 bytes) that encrypts TOTP secrets at rest (auth/mfa-secret.ts). */
  mfaEncryptionKey: Uint8Array;
  /**
   * Keys that encrypted TOTP secrets before `mfaEncryptionKey` (a rotation): they still decrypt, and the
   * server re-encrypts what they hold under the current key (auth/mfa-rekey.ts).
   */
  mfaPreviousKeys?: Uint8Array[];
  /** How long after a password or TOTP proof a session may make sensitive changes (auth/step-up.ts). */
  reauthWindowSec: number;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSec: number;
  sessionIdleTtlSec: number;
  sessionAbsoluteTtlSec: number;
  /**
   * How long a process may answer `leaderboard.top`'s first page from memory (leaderboard/first-pages.ts);
   * points changes drop it at once, renames and deletions show within this. 0: read it every time.
   */
  leaderboardCacheMs: number;
  /**
   * Where the web app is (scheme://host[:port][/path], no trailing slash): password reset links point
   * at `${publicUrl}/reset-password`. Null only in production without PUBLIC_URL or PUBLIC_ORIGIN.
   */
  publicUrl: string | null;
  /** Outgoing mail (password reset links); null without SMTP_URL. */
  mail: MailConfig | null;
  /** Lower-cased email domains allowed to sign up; empty means any. */
  allowedEmailDomains: string[];
  deletionGraceDays: number;
  /** Active sessions per user; a new login beyond it revokes the oldest. */
  maxSessionsPerUser: number;
  /** Lifetime of the device tokens a successful login hands out (see auth/tokens.ts). */
  deviceTokenTtlSec: number;
  /** Open subscriptions (SSE streams) allowed at once, per user and in this process. */
  streams: { perUser: number; perProcess: number };
  /** Throttles kept in PostgreSQL (see auth/rate-limit.ts). */
  rateLimits: {
    /** Per account and device (a valid device token), or per account and client IP without one. */
    loginPerAccount: RateLimitPolicy;
    /** Every attempt without a valid device token for the account, from anywhere: looser. */
    loginUntrustedPerAccount: RateLimitPolicy;
    loginPerIp: RateLimitPolicy;
    signupPerIp: RateLimitPolicy;
    /** Second-factor codes per account (auth.mfa.verify, and a code given to reauthenticate): a 6-digit code is guessable. */
    mfaPerAccount: RateLimitPolicy;
    /** Submits per user and challenge: each verdict is one bit about the hidden tests. */
    submitPerChallenge: RateLimitPolicy;
    /** Runs (visible tests only) per user, across challenges. */
    runPerUser: RateLimitPolicy;
    /** auth.resetPassword attempts per client IP: tokens cannot be guessed, and argon2 runs for each. */
    resetPerIp: RateLimitPolicy;
    /** auth.requestPasswordReset per client IP. */
    resetRequestPerIp: RateLimitPolicy;
    /** auth.requestPasswordReset per email address (its hash): nobody's inbox is flooded. */
    resetRequestPerAddress: RateLimitPolicy;
    /** groups.join attempts with an invite code no group has, per user: codes cannot be guessed. */
    groupJoinPerUser: RateLimitPolicy;
  };
  /** Private leagues: members per group, and groups one user may be in at once. */
  groups: { maxMembers: number; perUser: number };
  judge: {
    /** The whole submission's time limit. */
    timeoutMs: number;
    /** Each test's own limit: a spin loop dies here, not after the whole budget. */
    testTimeoutMs: number;
    memoryMb: number;
    codeMaxBytes: number;
    maxCases: number;
    workers: number;
    queueMax: number;
    /**
     * A submit answers at a whole multiple of this many ms after it arrived: how long code ran on the
     * hidden tests (which it can steer by what it saw) does not show in the response time. 0: off.
     */
    submitQuantumMs: number;
  };
};

/** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://...` (TLS from the start), and the From. */
export type MailConfig = { smtpUrl: string; from: string };

/**
 * `limit` attempts per `windowSec`; past it, either wait for the window to end or, with `backoff`, wait
 * `baseSec * 2^n` (at most `maxSec`) before each further attempt.
 */
export type RateLimitPolicy = {
  limit: number;
  windowSec: number;
  backoff?: { baseSec: number; maxSec: number };
};

export const DEFAULT_RATE_LIMITS: ApiConfig['rateLimits'] = {
  // Lucia-style backoff, capped at 5 minutes: a device is never locked out for long, and one address
  // gets about 25 guesses an hour at one account (ASVS 4 2.2.1 allows 100 per account).
  loginPerAccount: { limit: 5, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
  // Above what one address can reach in an hour under the limit above (~25), so one address alone
  // cannot shut out the owner's new devices; at most ~60 guesses an hour per account from everywhere.
  loginUntrustedPerAccount: { limit: 50, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
  loginPerIp: { limit: 30, windowSec: 900 },
  signupPerIp: { limit: 10, windowSec: 3600 },
  // As a login per account: 5 codes, then 1, 2, 4 ... s (at most 5 min) between codes; about 25 an hour
  // against 10^6 codes (3 valid at a time) makes a guess ~1 in 13 000 per hour.
  mfaPerAccount: { limit: 5, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
  // Four submits at once, then 10 s, 20 s, 40 s ... (at most 5 min) between further ones: a user who
  // fixes a bug waits seconds, a script learning hidden answers one verdict at a time gets ~2 a minute.
  submitPerChallenge: { limit: 5, windowSec: 600, backoff: { baseSec: 10, maxSec: 300 } },
  runPerUser: { limit: 30, windowSec: 60 },
  // Only failed joins count (a successful one gives its attempt back): a typo costs nothing, and ~10
  // guesses an hour against 64^10 codes find none.
  groupJoinPerUser: { limit: 10, windowSec: 3600 },
  resetPerIp: { limit: 20, windowSec: 3600 },
  resetRequestPerIp: { limit: 10, windowSec: 3600 },
  // A few mails an hour to one address: enough for a lost mail, too few to flood an inbox.
  resetRequestPerAddress: { limit: 3, windowSec: 3600 },
};

/** The API settings every deployment starts from; only the keys and the judge's worker count have none. */
export type ApiDefaults = Omit<ApiConfig, 'jwtKeys' | 'mfaEncryptionKey' | 'mfaPreviousKeys' | 'judge'> & {
  judge: Omit<ApiConfig['judge'], 'workers'>;
};

/**
 * The one place default values live: the server's environment schema takes its defaults from here
 * (converted to the variables' units), and `defaultApiConfig` builds on it.
 */
export const API_DEFAULTS: ApiDefaults = {
  isProduction: false,
  corsOrigins: [],
  publicUrl: 'http://127.0.0.1:3000',
  mail: null,
  reauthWindowSec: 10 * 60,
  jwtIssuer: 'skillbytes',
  jwtAudience: 'skillbytes-api',
  accessTokenTtlSec: 15 * 60,
  sessionIdleTtlSec: 14 * 86_400,
  sessionAbsoluteTtlSec: 30 * 86_400,
  leaderboardCacheMs: 2000,
  allowedEmailDomains: [],
  deletionGraceDays: 30,
  maxSessionsPerUser: 50,
  deviceTokenTtlSec: 365 * 86_400,
  streams: { perUser: 8, perProcess: 2000 },
  rateLimits: DEFAULT_RATE_LIMITS,
  groups: { maxMembers: 500, perUser: 20 },
  judge: {
    timeoutMs: 3000,
    testTimeoutMs: 1000,
    memoryMb: 64,
    codeMaxBytes: 64 * 1024,
    maxCases: 200,
    queueMax: 64,
    submitQuantumMs: 500,
  },
};

/**
 * Judge workers for a machine with `cores` cores. More workers than cores: the OS then time-slices a
 * short run next to a long one, so a spin loop on every core still leaves a worker for everyone else
 * (see judge/pool.ts on fairness).
 */
export function defaultJudgeWorkers(cores: number) {
  return Math.min(8, Math.max(4, cores * 2));
}

/**
 * `API_DEFAULTS` with one judge worker and no response quantum (tests that need it set it), for tests
 * and tools. It holds no key: a config that issues tokens names its own `jwtKeys` and
 * `mfaEncryptionKey` (tests take theirs from test/helpers.ts).
 */
export function defaultApiConfig(): Omit<ApiConfig, 'jwtKeys' | 'mfaEncryptionKey'>;
export function defaultApiConfig(
  overrides: Partial<ApiConfig> & Pick<ApiConfig, 'jwtKeys' | 'mfaEncryptionKey'>,
): ApiConfig;
export function defaultApiConfig(
  overrides: Partial<ApiConfig> = {},
): Omit<ApiConfig, 'jwtKeys' | 'mfaEncryptionKey'> {
  const defaults = structuredClone(API_DEFAULTS);
  return { ...defaults, judge: { ...defaults.judge, workers: 1, submitQuantumMs: 0 }, ...overrides };
}
