import { z } from 'zod';

/**
 * PostgreSQL `text` refuses U+0000, and a lone surrogate half has no UTF-8 form: the driver silently
 * turns it into U+FFFD (or `jsonb` refuses it). So every string the API accepts must be storable.
 */
const NUL = '\u0000';
/** With the `u` flag a well-formed pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

export const TEXT_MESSAGES = {
  nul: 'Must not contain the NUL character (U+0000)',
  loneSurrogate: 'Must be well-formed Unicode (no unpaired surrogate U+D800–U+DFFF)',
} as const;

/** True when PostgreSQL can store `s` exactly as it is: no U+0000 and well-formed UTF-16. */
export function isStorableText(s: string): boolean {
  return !s.includes(NUL) && !LONE_SURROGATE.test(s);
}

const UNSTORABLE = new RegExp(`${NUL}|\\p{Cs}`, 'gu');

/**
 * `s` with every character PostgreSQL cannot store replaced by U+FFFD: for text the server did not
 * accept from a user but must keep anyway (what a judged solution returned, threw or printed).
 */
export function toStorableText(s: string): string {
  return s.replace(UNSTORABLE, '\ufffd');
}

/** `z.string()` for every text field of an input: refuses what the database cannot store. */
export function text() {
  return z
    .string()
    .refine((s) => !s.includes(NUL), { message: TEXT_MESSAGES.nul })
    .refine((s) => !LONE_SURROGATE.test(s), { message: TEXT_MESSAGES.loneSurrogate });
}
