import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The API's defaults alone, not the API: main.ts opens the database before it loads the rest of the app.
import { API_DEFAULTS, type ApiConfig, defaultJudgeWorkers } from '@skillbytes/api/config';
import { z } from 'zod';
import { isProxyAddress } from './http/client-ip.ts';

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => (v === undefined ? undefined : ['true', '1', 'yes'].includes(v)));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const defaults = API_DEFAULTS;
const limits = API_DEFAULTS.rateLimits;

const Origin = z.string().transform((value, ctx) => {
  try {
    const u = new URL(value);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value.replace(/\/$/, ''))
      return u.origin;
  } catch {}
  ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://app.example.com` });
  return z.NEVER;
});

/** Where the web app is: an http(s) URL without query or fragment; a trailing slash is dropped. */
const PublicUrl = z.string().transform((value, ctx) => {
  try {
    const u = new URL(value);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username)
      return u.href.replace(/\/+$/, '');
  } catch {}
  ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL like https://app.example.com` });
  return z.NEVER;
});

/** `smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://...` (TLS from the start). */
const SmtpUrl = z.string().refine((value) => {
  try {
    const u = new URL(value);
    return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an smtp:// or smtps:// URL, e.g. smtps://user:pass@mail.example.com:465');

/** `noreply@example.com` or `Skill Bytes <noreply@example.com>`. */
const MailFrom = z
  .string()
  .trim()
  .refine((value) => {
    const address = /^[^<>]*<([^<>]+)>$/.exec(value)?.[1] ?? value;
    return z.email().safeParse(address).success && !/[\r\n]/.test(value);
  }, 'must be an address like noreply@example.com or "Skill Bytes <noreply@example.com>"');

/** Every environment variable the server reads. Nothing else in the code base reads process.env. */
const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => !v || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL'),
  DATA_DIR: z.string().min(1).default('./.data'),
  /** Files the server can rebuild: the migrated, seeded database a new DATA_DIR starts from. */
  CACHE_DIR: z.string().min(1).optional(),
  /** The built web app served at /; without an index.html there the server serves the API only. */
  WEB_DIST: z.string().min(1).optional(),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Previous signing secrets, still accepted for verification during a rotation. */
  JWT_PREVIOUS_SECRETS: csv,
  /** AES-256-GCM key for TOTP secrets at rest: 32 bytes, base64 or base64url. */
  MFA_ENCRYPTION_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || decodeKey(v) !== null, 'must be 32 bytes in base64 or base64url'),
  /** Keys MFA_ENCRYPTION_KEY replaced: they still decrypt, and secrets under them are re-encrypted. */
  MFA_PREVIOUS_KEYS: csv.refine(
    (keys) => keys.every((k) => decodeKey(k) !== null),
    'each must be 32 bytes in base64 or base64url',
  ),
  /** How long after a password or TOTP proof a session may make sensitive changes. */
  REAUTH_WINDOW_MINUTES: int(1, 24 * 60).default(defaults.reauthWindowSec / 60),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parts = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const out: string[] = [];
      for (const p of parts) {
        const r = Origin.safeParse(p);
        if (r.success) out.push(r.data);
        else ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? 'invalid origin' });
      }
      return out;
    }),
  PUBLIC_ORIGIN: Origin.optional(),
  /** Where the web app is (password reset links); default PUBLIC_ORIGIN, else http://HOST:PORT outside production. */
  PUBLIC_URL: PublicUrl.optional(),
  /** Outgoing mail (password reset links); without it auth.requestPasswordReset answers MAIL_NOT_CONFIGURED. */
  SMTP_URL: SmtpUrl.optional(),
  /** The From of outgoing mail; required with SMTP_URL. */
  MAIL_FROM: MailFrom.optional(),
  /** Proxies whose X-Forwarded-For is believed: IPs and CIDR ranges, IPv4 or IPv6 (`10.0.0.0/8,::1`). */
  TRUST_PROXY: csv.superRefine((list, ctx) => {
    for (const bad of list.filter((p) => !isProxyAddress(p)))
      ctx.addIssue({ code: 'custom', message: `"${bad}" is not an IP address or CIDR range` });
  }),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  ALLOWED_EMAIL_DOMAINS: csv,
  ACCOUNT_DELETION_GRACE_DAYS: int(0, 3650).default(defaults.deletionGraceDays),
  /** Login attempts per account and device (or per account and IP) before the backoff starts (1 s, doubling, at most 5 min). */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 100).default(limits.loginPerAccount.limit),
  /** Login attempts per account from clients without its device token, together, before the same backoff. */
  LOGIN_MAX_UNTRUSTED_FAILURES_PER_ACCOUNT: int(1, 1000).default(limits.loginUntrustedPerAccount.limit),
  DEVICE_TOKEN_TTL_DAYS: int(1, 400).default(defaults.deviceTokenTtlSec / 86_400),
  /** Failed logins per client IP per 15 minutes. */
  LOGIN_MAX_FAILURES_PER_IP: int(1, 100_000).default(limits.loginPerIp.limit),
  SIGNUPS_PER_IP_PER_HOUR: int(1, 100_000).default(limits.signupPerIp.limit),
  MAX_SESSIONS_PER_USER: int(1, 1000).default(defaults.maxSessionsPerUser),
  ACCESS_TOKEN_TTL_SEC: int(30, 3600).default(defaults.accessTokenTtlSec),
  SESSION_IDLE_TTL_SEC: int(300, 365 * 86400).default(defaults.sessionIdleTtlSec),
  SESSION_ABSOLUTE_TTL_SEC: int(3600, 400 * 86400).default(defaults.sessionAbsoluteTtlSec),
  LEADERBOARD_CACHE_MS: int(0, 60_000).default(defaults.leaderboardCacheMs),
  /** Private leagues: members per group, and groups per user. */
  GROUP_MAX_MEMBERS: int(2, 100_000).default(defaults.groups.maxMembers),
  GROUPS_PER_USER: int(1, 1000).default(defaults.groups.perUser),
  BODY_LIMIT_KB: int(1, 10_240).default(256),
  /** Open subscriptions (SSE streams) per user, and in all, in one process. */
  STREAMS_PER_USER: int(1, 1000).default(defaults.streams.perUser),
  STREAMS_PER_PROCESS: int(1, 1_000_000).default(defaults.streams.perProcess),
  /** Sockets one process accepts at once (node's server.maxConnections); 0 = no limit. */
  HTTP_MAX_CONNECTIONS: int(0, 1_000_000).default(4096),
  /**
   * Sockets one client address may hold at once (0 = no limit): one client cannot take every slot.
   * Behind a reverse proxy every connection comes from the proxy: set 0 there and limit at the proxy.
   */
  HTTP_MAX_CONNECTIONS_PER_IP: int(0, 1_000_000).default(256),
  /** How long a client may take to send its request headers (at most the 60 s request timeout). */
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 60_000).default(10_000),
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** When set, /metrics is served only on this port (same HOST); the main port answers 404 for it. */
  METRICS_PORT: int(0, 65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json: one JSON line per event; pretty: coloured lines for a person; auto: pretty on a terminal outside production. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  SEED_STARTER_POOL: bool,
  /** false: the server does not migrate, and refuses to start on a database with pending migrations. */
  MIGRATE_ON_START: bool,
  JUDGE_TIMEOUT_MS: int(100, 60_000).default(defaults.judge.timeoutMs),
  JUDGE_TEST_TIMEOUT_MS: int(50, 60_000).default(defaults.judge.testTimeoutMs),
  /** Submits per user and challenge before the growing backoff starts (DEFAULT_RATE_LIMITS). */
  JUDGE_SUBMITS_PER_CHALLENGE: int(1, 10_000).default(limits.submitPerChallenge.limit),
  JUDGE_RUNS_PER_MINUTE: int(1, 10_000).default(limits.runPerUser.limit),
  JUDGE_MEMORY_MB: int(8, 1024).default(defaults.judge.memoryMb),
  JUDGE_CODE_MAX_KB: int(1, 1024).default(defaults.judge.codeMaxBytes / 1024),
  JUDGE_MAX_CASES: int(1, 10_000).default(defaults.judge.maxCases),
  JUDGE_WORKERS: int(1, 64).optional(),
  JUDGE_QUEUE_MAX: int(1, 10_000).default(defaults.judge.queueMax),
  /** A submit answers at a whole multiple of this (0: off), so its timing tells nothing of hidden tests. */
  JUDGE_SUBMIT_QUANTUM_MS: int(0, 10_000).default(defaults.judge.submitQuantumMs),
});

export type ServerEnv = z.infer<typeof Env>;

/** The variable names of the schema (the .env.example test checks it lists each). */
export const ENV_VARIABLES = Object.keys(Env.shape);

export type ServerConfig = {
  env: ServerEnv;
  port: number;
  host: string;
  dataDir: string;
  cacheDir: string;
  webDist: string;
  databaseUrl: string | undefined;
  bodyLimitBytes: number;
  http: { maxConnections: number; maxConnectionsPerIp: number; headersTimeoutMs: number };
  trustProxy: string[];
  metrics: { token: string | undefined; port: number | undefined };
  publicOrigin: string | undefined;
  seedStarterPool: boolean;
  migrateOnStart: boolean;
  admin: { email: string; password: string } | undefined;
  api: ApiConfig;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** apps/web/dist, where `vite build` in the workspace puts the app. */
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** A 32-byte key written in base64 or base64url (padding optional), or null. */
function decodeKey(value: string): Uint8Array | null {
  const text = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  return bytes.length === 32 ? new Uint8Array(bytes) : null;
}

const PLACEHOLDER_SECRETS = ['changeme', 'secret', 'your-secret', 'dev-secret'];

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined>, cwd = process.cwd()): ServerConfig {
  const result = Env.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    );
  }
  const env = result.data;
  const isProduction = env.NODE_ENV === 'production';
  const dataDir = path.resolve(cwd, env.DATA_DIR);
  const problems: string[] = [];

  if (isProduction && !env.JWT_SECRET) problems.push('JWT_SECRET: required when NODE_ENV=production');
  if (isProduction && !env.MFA_ENCRYPTION_KEY) {
    problems.push('MFA_ENCRYPTION_KEY: required when NODE_ENV=production');
  }
  if (env.JWT_SECRET && PLACEHOLDER_SECRETS.some((p) => env.JWT_SECRET?.toLowerCase().includes(p))) {
    if (isProduction) problems.push('JWT_SECRET: looks like a placeholder; use 32+ random bytes');
  }
  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
    problems.push(
      `${env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'}: ADMIN_EMAIL and ADMIN_PASSWORD go together`,
    );
  }
  if (env.SESSION_IDLE_TTL_SEC > env.SESSION_ABSOLUTE_TTL_SEC) {
    problems.push('SESSION_IDLE_TTL_SEC: must not exceed SESSION_ABSOLUTE_TTL_SEC');
  }
  if (env.METRICS_PORT && env.METRICS_PORT === env.PORT) problems.push('METRICS_PORT: must differ from PORT');
  if (Boolean(env.SMTP_URL) !== Boolean(env.MAIL_FROM)) {
    problems.push(`${env.SMTP_URL ? 'MAIL_FROM' : 'SMTP_URL'}: SMTP_URL and MAIL_FROM go together`);
  }
  const publicUrl = env.PUBLIC_URL ?? env.PUBLIC_ORIGIN ?? (isProduction ? null : ownUrl(env.HOST, env.PORT));
  // A mailed link must point where users can reach; only an admin's link can wait for one (it answers
  // PUBLIC_URL_NOT_CONFIGURED until then).
  if (env.SMTP_URL && !publicUrl) {
    problems.push('PUBLIC_URL: required with SMTP_URL when NODE_ENV=production (mailed links point there)');
  }
  if (problems.length) throw new ConfigError(problems);

  const secrets = [env.JWT_SECRET ?? devSecret(dataDir, 'jwt-secret'), ...env.JWT_PREVIOUS_SECRETS];
  // Both forms decode to 32 bytes: the schema checked a given key, devSecret writes base64url of 32.
  const mfaEncryptionKey = decodeKey(env.MFA_ENCRYPTION_KEY ?? devSecret(dataDir, 'mfa-key'));
  if (!mfaEncryptionKey)
    throw new ConfigError([`MFA_ENCRYPTION_KEY: ${dataDir}/mfa-key is not a 32-byte key`]);
  const jwtKeys = secrets.map((secret) => ({
    // The kid names the key without revealing it, so rotation needs no extra variable.
    kid: createHash('sha256').update(secret).digest('base64url').slice(0, 10),
    secret: new TextEncoder().encode(secret),
  }));

  return {
    env,
    port: env.PORT,
    host: env.HOST,
    dataDir,
    cacheDir: env.CACHE_DIR ? path.resolve(cwd, env.CACHE_DIR) : userCacheDir(source.XDG_CACHE_HOME),
    webDist: env.WEB_DIST ? path.resolve(cwd, env.WEB_DIST) : DEFAULT_WEB_DIST,
    databaseUrl: env.DATABASE_URL || undefined,
    bodyLimitBytes: env.BODY_LIMIT_KB * 1024,
    http: {
      maxConnections: env.HTTP_MAX_CONNECTIONS,
      maxConnectionsPerIp: env.HTTP_MAX_CONNECTIONS_PER_IP,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    },
    trustProxy: env.TRUST_PROXY,
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
    publicOrigin: env.PUBLIC_ORIGIN,
    seedStarterPool: env.SEED_STARTER_POOL ?? true,
    migrateOnStart: env.MIGRATE_ON_START ?? true,
    admin:
      env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
    api: {
      isProduction,
      corsOrigins: env.CORS_ORIGINS,
      publicUrl,
      mail: env.SMTP_URL && env.MAIL_FROM ? { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM } : null,
      jwtKeys,
      mfaEncryptionKey,
      mfaPreviousKeys: env.MFA_PREVIOUS_KEYS.map((k) => decodeKey(k) as Uint8Array),
      reauthWindowSec: env.REAUTH_WINDOW_MINUTES * 60,
      jwtIssuer: defaults.jwtIssuer,
      jwtAudience: defaults.jwtAudience,
      accessTokenTtlSec: env.ACCESS_TOKEN_TTL_SEC,
      sessionIdleTtlSec: env.SESSION_IDLE_TTL_SEC,
      sessionAbsoluteTtlSec: env.SESSION_ABSOLUTE_TTL_SEC,
      leaderboardCacheMs: env.LEADERBOARD_CACHE_MS,
      allowedEmailDomains: env.ALLOWED_EMAIL_DOMAINS.map((d) => d.toLowerCase()),
      deletionGraceDays: env.ACCOUNT_DELETION_GRACE_DAYS,
      maxSessionsPerUser: env.MAX_SESSIONS_PER_USER,
      deviceTokenTtlSec: env.DEVICE_TOKEN_TTL_DAYS * 86_400,
      streams: { perUser: env.STREAMS_PER_USER, perProcess: env.STREAMS_PER_PROCESS },
      groups: { maxMembers: env.GROUP_MAX_MEMBERS, perUser: env.GROUPS_PER_USER },
      rateLimits: {
        loginPerAccount: { ...limits.loginPerAccount, limit: env.LOGIN_MAX_FAILURES_PER_ACCOUNT },
        loginUntrustedPerAccount: {
          ...limits.loginUntrustedPerAccount,
          limit: env.LOGIN_MAX_UNTRUSTED_FAILURES_PER_ACCOUNT,
        },
        loginPerIp: { ...limits.loginPerIp, limit: env.LOGIN_MAX_FAILURES_PER_IP },
        signupPerIp: { ...limits.signupPerIp, limit: env.SIGNUPS_PER_IP_PER_HOUR },
        mfaPerAccount: limits.mfaPerAccount,
        submitPerChallenge: { ...limits.submitPerChallenge, limit: env.JUDGE_SUBMITS_PER_CHALLENGE },
        runPerUser: { ...limits.runPerUser, limit: env.JUDGE_RUNS_PER_MINUTE },
        groupJoinPerUser: limits.groupJoinPerUser,
        resetPerIp: limits.resetPerIp,
        resetRequestPerIp: limits.resetRequestPerIp,
        resetRequestPerAddress: limits.resetRequestPerAddress,
      },
      judge: {
        timeoutMs: env.JUDGE_TIMEOUT_MS,
        testTimeoutMs: Math.min(env.JUDGE_TEST_TIMEOUT_MS, env.JUDGE_TIMEOUT_MS),
        memoryMb: env.JUDGE_MEMORY_MB,
        codeMaxBytes: env.JUDGE_CODE_MAX_KB * 1024,
        maxCases: env.JUDGE_MAX_CASES,
        workers: env.JUDGE_WORKERS ?? defaultJudgeWorkers(availableParallelism()),
        queueMax: env.JUDGE_QUEUE_MAX,
        submitQuantumMs: env.JUDGE_SUBMIT_QUANTUM_MS,
      },
    },
  };
}

/** The server's own address as a browser on this machine reaches it (a wildcard HOST means this machine). */
function ownUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/** `skillbytes` in the XDG cache directory: ~/.cache unless XDG_CACHE_HOME (absolute, as the spec says) names another. */
function userCacheDir(xdgCacheHome: string | undefined): string {
  const base = xdgCacheHome && path.isAbsolute(xdgCacheHome) ? xdgCacheHome : path.join(homedir(), '.cache');
  return path.join(base, 'skillbytes');
}

/**
 * Development only: 32 random bytes (base64url) generated once and kept in DATA_DIR/`name` (mode 0600),
 * never committed: the JWT signing secret (`jwt-secret`) and the TOTP encryption key (`mfa-key`).
 */
function devSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}
