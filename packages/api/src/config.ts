/**
 * What the API needs to know about its deployment. The server builds this from its validated
 * environment; tests build it with `testApiConfig()`.
 */
export type ApiConfig = {
  isProduction: boolean;
  /** Origins (scheme://host[:port]) allowed to make cookie-authenticated calls besides the server's own. */
  corsOrigins: string[];
  /** Access-token signing keys; the first signs, all verify (rotation by `kid`). */
  jwtKeys: { kid: string; secret: Uint8Array }[];
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSec: number;
  sessionIdleTtlSec: number;
  sessionAbsoluteTtlSec: number;
  /** Lower-cased email domains allowed to sign up; empty means any. */
  allowedEmailDomains: string[];
  deletionGraceDays: number;
  /** Active sessions per user; a new login beyond it revokes the oldest. */
  maxSessionsPerUser: number;
  /** Throttles kept in PostgreSQL (see auth/rate-limit.ts). */
  rateLimits: {
    loginPerAccount: RateLimitPolicy;
    loginPerIp: RateLimitPolicy;
    signupPerIp: RateLimitPolicy;
  };
  judge: {
    timeoutMs: number;
    memoryMb: number;
    codeMaxBytes: number;
    maxCases: number;
    workers: number;
    queueMax: number;
  };
};

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
  // Lucia-style backoff, capped at 5 minutes: a victim is never locked out for long, and an attacker
  // gets about 25 guesses an hour per account (ASVS 4 2.2.1 allows 100).
  loginPerAccount: { limit: 5, windowSec: 3600, backoff: { baseSec: 1, maxSec: 300 } },
  loginPerIp: { limit: 30, windowSec: 900 },
  signupPerIp: { limit: 10, windowSec: 3600 },
};

export function defaultApiConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    isProduction: false,
    corsOrigins: [],
    jwtKeys: [{ kid: 'k1', secret: new TextEncoder().encode('test-secret-that-is-at-least-32-bytes-long!') }],
    jwtIssuer: 'skillbytes',
    jwtAudience: 'skillbytes-api',
    accessTokenTtlSec: 15 * 60,
    sessionIdleTtlSec: 14 * 24 * 3600,
    sessionAbsoluteTtlSec: 30 * 24 * 3600,
    allowedEmailDomains: [],
    deletionGraceDays: 30,
    maxSessionsPerUser: 50,
    rateLimits: DEFAULT_RATE_LIMITS,
    judge: {
      timeoutMs: 3000,
      memoryMb: 64,
      codeMaxBytes: 64 * 1024,
      maxCases: 200,
      workers: 1,
      queueMax: 64,
    },
    ...overrides,
  };
}
