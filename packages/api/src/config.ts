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
  judge: {
    timeoutMs: number;
    memoryMb: number;
    codeMaxBytes: number;
    maxCases: number;
    workers: number;
    queueMax: number;
  };
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
