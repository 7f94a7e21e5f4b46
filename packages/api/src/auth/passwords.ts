import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { LIMITS } from '@skillbytes/shared';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { DomainError } from '../errors.ts';

/**
 * OWASP's second argon2id configuration (19 MiB, 2 passes, 1 lane), the library's defaults written out
 * so a change of defaults cannot weaken them silently. Only the async functions are used: they run on
 * the libuv pool, never on the event loop (a test greps for the sync variants).
 */
export const PASSWORD_HASH_PARAMS = {
  algorithm: 2 as Algorithm, // Argon2id (a const enum, not importable under isolatedModules)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

export function hashPassword(password: string): Promise<string> {
  // Hashed exactly as sent: no trimming, case folding or truncation. The salt is drawn by the library.
  return hash(password, PASSWORD_HASH_PARAMS);
}

/** False for a wrong password and for a stored value that is not a valid argon2 hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** True when the stored hash was made with weaker parameters than today's (rehash on the next login). */
export function needsRehash(stored: string): boolean {
  try {
    const p = parseOptions(stored);
    return (
      p.algorithm !== PASSWORD_HASH_PARAMS.algorithm ||
      p.memoryCost < PASSWORD_HASH_PARAMS.memoryCost ||
      p.timeCost < PASSWORD_HASH_PARAMS.timeCost ||
      p.outputLen < PASSWORD_HASH_PARAMS.outputLen
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Unknown users are verified against this hash (same parameters as real ones) so that "no such user"
 * costs as much time as "wrong password" (no enumeration by timing).
 */
export function verifyAgainstDummy(password: string): Promise<boolean> {
  dummyHash ??= hashPassword('dummy password that no account has: skillbytes');
  return dummyHash.then((h) => verifyPassword(h, password)).then(() => false);
}

// The estimator's frequency lists (passwords-common: the top ~30k leaked passwords; diceware words),
// bundled, so the check is offline and tests stay hermetic.
const zxcvbn = new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });

/** zxcvbn cost grows quickly with length; the first 64 characters decide (a weak prefix is weak). */
const ESTIMATE_CHARS = 64;
/** zxcvbn score 2 means about 10^6–10^8 guesses: below it a password falls to online guessing. */
const MIN_SCORE = 2;
const PRODUCT_WORDS = ['skillbytes', 'skill bytes', 'skill-bytes', 'skill_bytes', 'skill', 'bytes'];

/**
 * Refuses common, guessable and context-derived passwords (ASVS 6.2.4, 6.2.11, 6.2.12 offline). Length
 * is bounded by the input schema; no composition rules (NIST 800-63B).
 */
export function assertStrongPassword(
  password: string,
  context: { email?: string | null; username?: string | null; name?: string | null } = {},
) {
  if (password.length < LIMITS.passwordMin || password.length > LIMITS.passwordMax) {
    throw new DomainError(
      'WEAK_PASSWORD',
      `Use between ${LIMITS.passwordMin} and ${LIMITS.passwordMax} characters`,
    );
  }
  const userInputs = [...PRODUCT_WORDS];
  if (context.email) userInputs.push(context.email, context.email.split('@')[0] ?? '');
  if (context.username) userInputs.push(context.username);
  if (context.name) userInputs.push(...context.name.split(/\s+/), context.name);
  const sample = password.slice(0, ESTIMATE_CHARS);
  const result = zxcvbn.check(
    sample,
    userInputs.filter((w) => w.length >= 3),
  );
  const whole = password.toLowerCase();
  const isContextWord = userInputs.some((w) => w.length >= 3 && whole === w.toLowerCase());
  if (result.score < MIN_SCORE || isContextWord) {
    throw new DomainError(
      'WEAK_PASSWORD',
      'This password is too common or too easy to guess: try a longer phrase of unrelated words',
      { score: result.score, minScore: MIN_SCORE },
    );
  }
}
