import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.ts';
import { coarseIp, ipBucket } from './ip.ts';
import {
  assertStrongPassword,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.ts';

const weak = (password: string, context = {}) => {
  try {
    assertStrongPassword(password, context);
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).appCode).toBe('WEAK_PASSWORD');
    return true;
  }
};

describe('password hashing', () => {
  it('hashes with argon2id m=19456 t=2 p=1 and verifies only the exact password', async () => {
    const stored = await hashPassword('Tr1cky pass phrase');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, 'Tr1cky pass phrase')).toBe(true);
    expect(await verifyPassword(stored, 'tr1cky pass phrase')).toBe(false);
    expect(await verifyPassword(stored, 'Tr1cky pass phrase ')).toBe(false);
  });

  it('treats a corrupt stored hash as a wrong password, not an error', async () => {
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$bad$bad', 'x')).toBe(false);
    expect(await verifyPassword('', 'x')).toBe(false);
  });

  it('asks for a rehash only when the stored parameters are weaker than today’s', async () => {
    expect(needsRehash(await hashPassword('x'))).toBe(false);
    expect(needsRehash(await hash('x', { memoryCost: 7168, timeCost: 5, parallelism: 1 }))).toBe(true);
    expect(needsRehash(await hash('x', { memoryCost: 19456, timeCost: 1, parallelism: 1 }))).toBe(true);
    expect(needsRehash(await hash('x', { algorithm: 1 as never }))).toBe(true); // argon2i
    expect(needsRehash(await hash('x', { memoryCost: 47104, timeCost: 2, parallelism: 1 }))).toBe(false);
    expect(needsRehash('not a hash')).toBe(true);
  });

  it('the dummy verification always fails and costs an argon2 run', async () => {
    await verifyAgainstDummy('warm up');
    const start = performance.now();
    expect(await verifyAgainstDummy('anything')).toBe(false);
    expect(performance.now() - start).toBeGreaterThan(2);
  });

  it('never uses the synchronous argon2 functions (they would block the event loop)', () => {
    const src = fileURLToPath(new URL('../', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.ts$/.test(name) && !name.endsWith('.test.ts')) files.push(full);
      }
    };
    walk(src);
    const offenders = files.filter((f) =>
      /\b(hashSync|verifySync|hashRawSync)\b/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

describe('password strength', () => {
  it.each([
    'password',
    'password123',
    'Password1!',
    '12345678',
    'qwertyuiop',
    'iloveyou1',
    'aaaaaaaaaaaa',
    'skillbytes',
    'SkillBytes2024',
    'skill bytes!',
  ])('refuses %j', (password) => {
    expect(weak(password)).toBe(true);
  });

  it('refuses passwords built from the account’s own email, username or name', () => {
    expect(weak('margaret.h@example.com', { email: 'margaret.h@example.com' })).toBe(true);
    expect(weak('hamilton1969', { username: 'hamilton' })).toBe(true);
    expect(weak('Margaret Hamilton', { name: 'Margaret Hamilton' })).toBe(true);
  });

  it.each(['vivid tundra marble kettle', 'Xk8#pL2v', '🦊 лиса 狐狸 renard!', 'q'.repeat(3) + 'Zx9!Lm2@Wp'])(
    'accepts %j (no composition rules)',
    (password) => {
      expect(weak(password)).toBe(false);
    },
  );

  // Only a prefix is estimated: the estimator's cost grows fast with length (speed is measured by
  // the benchmarks, not asserted here).
  it('judges very long passwords by their first 64 characters', () => {
    const long = Array.from({ length: 256 }, (_, i) => 'qz7!Kp2#mX'[i % 10]).join('');
    expect(weak(long)).toBe(false);
    expect(weak(`${'a'.repeat(64)}${long.slice(64)}`)).toBe(true);
  });
});

describe('client address keys', () => {
  it('keys IPv4 by address and IPv6 by /64; no address shares one key (fail closed)', () => {
    expect(ipBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(ipBucket('2001:db8:aaaa:bbbb:1:2:3:4')).toBe('2001:db8:aaaa:bbbb::/64');
    expect(ipBucket('2001:db8:aaaa:bbbb::9')).toBe(ipBucket('2001:0db8:aaaa:bbbb:ffff::1'));
    expect(ipBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipBucket(null)).toBe('unknown');
  });

  it('shows coarse networks for the device list', () => {
    expect(coarseIp('203.0.113.9')).toBe('203.0.113.0/24');
    expect(coarseIp('2001:db8:aaaa:bbbb::1')).toBe('2001:db8:aaaa::/48');
    expect(coarseIp(null)).toBeNull();
  });
});
