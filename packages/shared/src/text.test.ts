import { describe, expect, it } from 'vitest';
import {
  ChallengeInput,
  Cursor,
  Email,
  isStorableText,
  LoginInput,
  Password,
  SendMessageInput,
  SolutionInput,
  TEXT_MESSAGES,
  text,
  toStorableText,
} from './index.ts';

describe('storable text', () => {
  it.each([
    ['plain ASCII', 'hello'],
    ['the empty string', ''],
    ['accents and CJK', 'wörd 漢字'],
    ['a surrogate pair (emoji)', '📢 🔑'],
    ['U+FFFD itself', '\ufffd'],
    ['other control characters', '\u0001\t\n\u001f'],
  ])('accepts %s', (_name, value) => {
    expect(isStorableText(value)).toBe(true);
    expect(text().parse(value)).toBe(value);
  });

  it.each([
    ['U+0000 alone', '\u0000', TEXT_MESSAGES.nul],
    ['U+0000 inside', 'ab\u0000cd', TEXT_MESSAGES.nul],
    ['a lone high surrogate', '\ud800', TEXT_MESSAGES.loneSurrogate],
    ['a lone low surrogate', 'x\udfff', TEXT_MESSAGES.loneSurrogate],
    ['a pair in the wrong order', '\udc00\ud800', TEXT_MESSAGES.loneSurrogate],
    ['a pair cut in half', '📢'.slice(0, 1), TEXT_MESSAGES.loneSurrogate],
  ])('refuses %s with a message that says why', (_name, value, message) => {
    expect(isStorableText(value)).toBe(false);
    const result = text().safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain(message);
  });

  it('keeps chaining like z.string(): trim, bounds and pipes still apply', () => {
    const name = text().trim().min(1).max(3);
    expect(name.parse('  ab ')).toBe('ab');
    expect(name.safeParse('    ').success).toBe(false);
    expect(name.safeParse(' a\u0000 ').success).toBe(false);
  });

  it('is the rule of every text field of the shared input schemas', () => {
    const nul = 'x\u0000y';
    const lone = 'x\ud800y';
    for (const bad of [nul, lone]) {
      expect(Email.safeParse(`a${bad}@example.com`).success).toBe(false);
      expect(Password.safeParse(`long enough ${bad}`).success).toBe(false);
      expect(LoginInput.safeParse({ identifier: bad, password: 'x' }).success).toBe(false);
      expect(SendMessageInput.safeParse({ content: bad, to: { everyone: true } }).success).toBe(false);
      expect(SolutionInput.safeParse({ challengeId: crypto.randomUUID(), code: bad }).success).toBe(false);
      expect(Cursor.safeParse(bad).success).toBe(false);
    }
  });

  it('leaves test data alone: JSON values may carry U+0000 inside their strings', () => {
    const challenge = ChallengeInput.parse({
      title: 'Echo',
      summary: 'Return the argument',
      description: 'Return it.',
      difficulty: 'beginner',
      points: 10,
      functionName: 'echo',
      tests: [{ input: ['a\u0000b'], expectedOutput: 'a\u0000b' }],
    });
    expect(challenge.tests[0]).toMatchObject({ expectedOutput: 'a\u0000b' });
  });
});

describe('toStorableText', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps everything else, pairs included', () => {
    expect(toStorableText('a\u0000b\ud800c\udc00📢')).toBe('a\ufffdb\ufffdc\ufffd📢');
    expect(isStorableText(toStorableText('\udbff\u0000'))).toBe(true);
    expect(toStorableText('plain')).toBe('plain');
  });
});
