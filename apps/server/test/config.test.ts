import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { API_DEFAULTS, defaultJudgeWorkers } from '@skillbytes/api';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'sb-config-'));
/** What production requires besides the setting under test. */
const PRODUCTION_SECRETS = {
  JWT_SECRET: 'r'.repeat(40),
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

function problemsOf(env: Record<string, string>) {
  try {
    loadConfig({ DATA_DIR: tmp(), ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('takes TRUST_PROXY as a comma list of IPs and CIDR ranges of both families', () => {
    const config = loadConfig({ DATA_DIR: tmp(), TRUST_PROXY: ' 10.0.0.0/8, 192.168.0.1,::1 ,fd00::/8' });
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '192.168.0.1', '::1', 'fd00::/8']);
    expect(loadConfig({ DATA_DIR: tmp() }).metrics).toEqual({ token: undefined, port: undefined });
  });

  it('has working defaults for a development machine', () => {
    const config = loadConfig({ DATA_DIR: tmp() });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.api.isProduction).toBe(false);
    expect(config.api.corsOrigins).toEqual([]);
    expect(config.api.streams).toEqual({ perUser: 8, perProcess: 2000 });
    expect(config.http).toEqual({ maxConnections: 4096, maxConnectionsPerIp: 256, headersTimeoutMs: 10_000 });
    expect(config.api.rateLimits.loginUntrustedPerAccount.limit).toBe(50);
    expect(config.api.deviceTokenTtlSec).toBe(365 * 86_400);
  });

  it('migrates on start unless MIGRATE_ON_START says not to', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).migrateOnStart).toBe(true);
    expect(loadConfig({ DATA_DIR: tmp(), MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
    expect(loadConfig({ DATA_DIR: tmp(), MIGRATE_ON_START: '0' }).migrateOnStart).toBe(false);
    expect(loadConfig({ DATA_DIR: tmp(), MIGRATE_ON_START: 'true' }).migrateOnStart).toBe(true);
    expect(problemsOf({ MIGRATE_ON_START: 'later' })).toContain('MIGRATE_ON_START');
  });

  it('keeps its cache in CACHE_DIR, else $XDG_CACHE_HOME/skillbytes, else ~/.cache/skillbytes', () => {
    const dataDir = tmp();
    expect(loadConfig({ DATA_DIR: dataDir }).cacheDir).toBe(path.join(homedir(), '.cache', 'skillbytes'));
    expect(loadConfig({ DATA_DIR: dataDir, XDG_CACHE_HOME: '/var/cache/me' }).cacheDir).toBe(
      '/var/cache/me/skillbytes',
    );
    // A relative XDG_CACHE_HOME is invalid (the XDG spec) and ignored; a relative CACHE_DIR is from the cwd.
    expect(loadConfig({ DATA_DIR: dataDir, XDG_CACHE_HOME: 'rel' }).cacheDir).toBe(
      path.join(homedir(), '.cache', 'skillbytes'),
    );
    expect(
      loadConfig({ DATA_DIR: dataDir, CACHE_DIR: 'cache', XDG_CACHE_HOME: '/x' }, '/srv/app').cacheDir,
    ).toBe('/srv/app/cache');
  });

  it('takes every default from the API defaults, so the two cannot drift apart', () => {
    const {
      jwtKeys: _keys,
      mfaEncryptionKey: _mfaKey,
      mfaPreviousKeys: _old,
      judge,
      ...api
    } = loadConfig({ DATA_DIR: tmp() }).api;
    const { judge: judgeDefaults, ...apiDefaults } = API_DEFAULTS;
    expect(api).toEqual(apiDefaults);
    expect(judge).toEqual({ ...judgeDefaults, workers: defaultJudgeWorkers(availableParallelism()) });
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['MFA_ENCRYPTION_KEY', { MFA_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }],
    ['MFA_ENCRYPTION_KEY', { MFA_ENCRYPTION_KEY: 'not base64 at all!' }],
    [
      'MFA_PREVIOUS_KEYS',
      {
        MFA_PREVIOUS_KEYS: `${Buffer.alloc(32, 1).toString('base64')},${Buffer.alloc(31).toString('base64')}`,
      },
    ],
    ['REAUTH_WINDOW_MINUTES', { REAUTH_WINDOW_MINUTES: '0' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://ok.example.com,not a url' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://app.example.com/path' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'long enough password' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'admin@example.com' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['JUDGE_TIMEOUT_MS', { JUDGE_TIMEOUT_MS: '-5' }],
    ['BODY_LIMIT_KB', { BODY_LIMIT_KB: '0' }],
    ['STREAMS_PER_USER', { STREAMS_PER_USER: '0' }],
    ['STREAMS_PER_PROCESS', { STREAMS_PER_PROCESS: 'many' }],
    ['HTTP_MAX_CONNECTIONS', { HTTP_MAX_CONNECTIONS: '-1' }],
    ['HTTP_HEADERS_TIMEOUT_MS', { HTTP_HEADERS_TIMEOUT_MS: '120000' }],
    ['LOGIN_MAX_UNTRUSTED_FAILURES_PER_ACCOUNT', { LOGIN_MAX_UNTRUSTED_FAILURES_PER_ACCOUNT: '0' }],
    ['DEVICE_TOKEN_TTL_DAYS', { DEVICE_TOKEN_TTL_DAYS: '401' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/8,proxy.internal' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }],
    ['METRICS_PORT', { METRICS_PORT: '3000' }],
    ['SESSION_IDLE_TTL_SEC', { SESSION_IDLE_TTL_SEC: '2000000', SESSION_ABSOLUTE_TTL_SEC: '100000' }],
  ])('a bad %s is refused with its name', (name, env) => {
    expect(problemsOf(env)).toContain(name);
  });

  it('requires a real JWT_SECRET in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toContain('JWT_SECRET');
    expect(
      problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'changeme-changeme-changeme-changeme-1234' }),
    ).toContain('JWT_SECRET');
  });

  it('requires MFA_ENCRYPTION_KEY in production', () => {
    const jwt = { JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret-0' };
    expect(problemsOf({ NODE_ENV: 'production', ...jwt })).toContain('MFA_ENCRYPTION_KEY');
  });

  it('reads MFA_ENCRYPTION_KEY as base64 or base64url, and REAUTH_WINDOW_MINUTES', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    for (const written of [key.toString('base64'), key.toString('base64url')]) {
      const config = loadConfig({ DATA_DIR: tmp(), MFA_ENCRYPTION_KEY: written, REAUTH_WINDOW_MINUTES: '3' });
      expect(Buffer.from(config.api.mfaEncryptionKey)).toEqual(key);
      expect(config.api.reauthWindowSec).toBe(180);
    }
  });

  it('reads MFA_PREVIOUS_KEYS (a rotation) as a comma-separated list of keys, none by default', () => {
    const old1 = Buffer.alloc(32, 1);
    const old2 = Buffer.alloc(32, 2);
    const config = loadConfig({
      DATA_DIR: tmp(),
      MFA_PREVIOUS_KEYS: ` ${old1.toString('base64')}, ${old2.toString('base64url')} `,
    });
    expect(config.api.mfaPreviousKeys?.map((k) => Buffer.from(k))).toEqual([old1, old2]);
    expect(loadConfig({ DATA_DIR: tmp() }).api.mfaPreviousKeys).toEqual([]);
  });

  it('generates the development TOTP key once and keeps it private in DATA_DIR', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.api.mfaEncryptionKey).toHaveLength(32);
    expect(first.api.mfaEncryptionKey).toEqual(second.api.mfaEncryptionKey);
    expect(first.api.mfaEncryptionKey).not.toEqual(first.api.jwtKeys[0]?.secret);
    expect(statSync(path.join(dir, 'mfa-key')).mode & 0o777).toBe(0o600);
  });

  it('generates the development signing secret once and keeps it private in DATA_DIR', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.api.jwtKeys[0]?.secret).toEqual(second.api.jwtKeys[0]?.secret);
    const file = path.join(dir, 'jwt-secret');
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps previous secrets for verification with distinct key ids', () => {
    const config = loadConfig({
      DATA_DIR: tmp(),
      JWT_SECRET: 'new-secret-new-secret-new-secret-new-secret',
      JWT_PREVIOUS_SECRETS: 'old-secret-old-secret-old-secret-old-secret',
    });
    expect(config.api.jwtKeys).toHaveLength(2);
    expect(config.api.jwtKeys[0]?.kid).not.toBe(config.api.jwtKeys[1]?.kid);
  });

  it('parses comma-separated origins', () => {
    const config = loadConfig({
      DATA_DIR: tmp(),
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
    });
    expect(config.api.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
  });

  it('points reset links at PUBLIC_URL, else PUBLIC_ORIGIN, else this server outside production', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).api.publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ DATA_DIR: tmp(), HOST: '0.0.0.0', PORT: '8080' }).api.publicUrl).toBe(
      'http://localhost:8080',
    );
    expect(loadConfig({ DATA_DIR: tmp(), HOST: '::1' }).api.publicUrl).toBe('http://[::1]:3000');
    expect(loadConfig({ DATA_DIR: tmp(), PUBLIC_ORIGIN: 'https://sb.example.com' }).api.publicUrl).toBe(
      'https://sb.example.com',
    );
    const both = {
      DATA_DIR: tmp(),
      PUBLIC_ORIGIN: 'https://sb.example.com',
      PUBLIC_URL: 'https://app.example.com/sb/',
    };
    expect(loadConfig(both).api.publicUrl).toBe('https://app.example.com/sb');
    const production = { DATA_DIR: tmp(), NODE_ENV: 'production', ...PRODUCTION_SECRETS };
    expect(loadConfig(production).api.publicUrl).toBeNull();
    for (const bad of [
      'app.example.com',
      'ftp://app.example.com',
      'https://app.example.com/?a=1',
      'https://a.example.com/#x',
    ]) {
      expect(problemsOf({ PUBLIC_URL: bad })).toContain('PUBLIC_URL');
    }
  });

  it('sends mail only with both SMTP_URL and MAIL_FROM, and validates them', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).api.mail).toBeNull();
    const mail = {
      SMTP_URL: 'smtps://user:pa%20ss@mail.example.com:465',
      MAIL_FROM: 'Skill Bytes <noreply@example.com>',
    };
    expect(loadConfig({ DATA_DIR: tmp(), ...mail }).api.mail).toEqual({
      smtpUrl: mail.SMTP_URL,
      from: mail.MAIL_FROM,
    });
    expect(loadConfig({ DATA_DIR: tmp(), ...mail, MAIL_FROM: 'noreply@example.com' }).api.mail?.from).toBe(
      'noreply@example.com',
    );
    expect(problemsOf({ SMTP_URL: mail.SMTP_URL })).toContain('MAIL_FROM');
    expect(problemsOf({ MAIL_FROM: mail.MAIL_FROM })).toContain('SMTP_URL');
    for (const bad of ['http://mail.example.com', 'mail.example.com:25', 'smtp://']) {
      expect(problemsOf({ ...mail, SMTP_URL: bad })).toContain('SMTP_URL');
    }
    for (const bad of ['not an address', 'Skill Bytes <nobody>', 'a@example.com\nBcc: b@example.com']) {
      expect(problemsOf({ ...mail, MAIL_FROM: bad })).toContain('MAIL_FROM');
    }
    const production = { NODE_ENV: 'production', ...PRODUCTION_SECRETS, ...mail };
    expect(problemsOf(production)).toContain('PUBLIC_URL');
    expect(
      loadConfig({ DATA_DIR: tmp(), ...production, PUBLIC_URL: 'https://sb.example.com' }).api.mail,
    ).not.toBeNull();
  });
});
