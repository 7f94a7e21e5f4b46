import { describe, expect, it } from 'vitest';
import {
  APP_CODES,
  APP_ERRORS,
  ChallengeInput,
  Email,
  LoginInput,
  MarkReadInput,
  Password,
  SendMessageInput,
  SignupInput,
  SolutionInput,
  TimeZone,
  UpdateProfileInput,
  Username,
} from './index.ts';

const challenge = {
  title: 'Sum two numbers',
  summary: 'Add a and b',
  description: 'Return a + b.',
  difficulty: 'beginner',
  points: 10,
  functionName: 'sum',
  tests: [{ input: [1, 2], expectedOutput: 3 }],
};

describe('shared schemas', () => {
  it('normalises emails: trimmed and lower-cased', () => {
    expect(Email.parse('  Alice@Example.COM ')).toBe('alice@example.com');
    expect(Email.safeParse('not-an-email').success).toBe(false);
  });

  it('bounds usernames to 3-32 of [A-Za-z0-9_]', () => {
    expect(Username.safeParse('ab').success).toBe(false);
    expect(Username.safeParse('a'.repeat(33)).success).toBe(false);
    expect(Username.safeParse('has space').success).toBe(false);
    expect(Username.parse('Ada_Lovelace42')).toBe('Ada_Lovelace42');
  });

  it('takes passwords of 8 to 256 characters exactly as sent', () => {
    expect(Password.safeParse('1234567').success).toBe(false);
    expect(Password.parse(' pass wörd 🔑 ')).toBe(' pass wörd 🔑 ');
    expect(Password.safeParse('x'.repeat(256)).success).toBe(true);
    expect(Password.safeParse('x'.repeat(257)).success).toBe(false);
  });

  it('refuses unknown fields (no mass assignment)', () => {
    expect(UpdateProfileInput.safeParse({ role: 'admin' }).success).toBe(false);
    expect(UpdateProfileInput.safeParse({ points: 1e9 }).success).toBe(false);
    expect(
      SignupInput.safeParse({ email: 'a@b.co', password: 'long enough pw', role: 'admin' }).success,
    ).toBe(false);
  });

  it('validates IANA time zones', () => {
    expect(TimeZone.safeParse('Europe/Paris').success).toBe(true);
    expect(TimeZone.safeParse('Mars/Olympus').success).toBe(false);
  });

  it('defaults login to cookie delivery', () => {
    expect(LoginInput.parse({ identifier: 'ada', password: 'x' }).tokenDelivery).toBe('cookie');
  });

  it('accepts a challenge in our shape and in the legacy send-challenge shape', () => {
    expect(ChallengeInput.parse(challenge)).toMatchObject({
      title: 'Sum two numbers',
      hiddenTests: [],
      tags: [],
    });
    const legacy = ChallengeInput.parse({
      selectorDescription: 'Add two numbers',
      description: '<p>Return a + b</p>',
      content: 'function sum(pair) {\n}',
      testCases: [{ input: [1, 2], expectedOutput: 3 }],
      generator: { inFn: 'const out = [1, 2]; out;', outFn: 'JSON.parse(output) === 3', cases: 5 },
      functionName: 'sum',
      help: 'Use +',
      tags: ['Math'],
      points: '10',
      difficulty: 'Easy',
    });
    expect(legacy).toMatchObject({
      title: 'Add two numbers',
      summary: 'Add two numbers',
      description: '<p>Return a + b</p>',
      starterCode: 'function sum(pair) {\n}',
      // The legacy input is the single argument: here one array.
      tests: [{ input: [[1, 2]], expectedOutput: 3 }],
      generator: { style: 'legacy', cases: 5 },
      points: 10,
      tags: ['math'],
      difficulty: 'easy',
      language: 'javascript',
      languages: ['javascript', 'typescript'],
    });
  });

  it('a challenge takes JavaScript and TypeScript unless it lists the languages it takes, its own among them', () => {
    expect(ChallengeInput.parse(challenge)).toMatchObject({
      language: 'javascript',
      languages: ['javascript', 'typescript'],
    });
    const typed = ChallengeInput.parse({ ...challenge, language: 'typescript', languages: ['typescript'] });
    expect(typed).toMatchObject({ language: 'typescript', languages: ['typescript'] });
    for (const languages of [[], ['javascript', 'javascript'], ['typescript'], ['python']]) {
      expect(ChallengeInput.safeParse({ ...challenge, languages }).success, JSON.stringify(languages)).toBe(
        false,
      );
    }
  });

  it('a solution may name its language, one the judge runs', () => {
    const challengeId = crypto.randomUUID();
    expect(SolutionInput.parse({ challengeId, code: 'x', language: 'typescript' }).language).toBe(
      'typescript',
    );
    expect(SolutionInput.parse({ challengeId, code: 'x' }).language).toBeUndefined();
    expect(SolutionInput.safeParse({ challengeId, code: 'x', language: 'python' }).success).toBe(false);
  });

  it('validates message colours and audiences', () => {
    const base = { content: 'Hello', to: { everyone: true } };
    expect(SendMessageInput.parse(base)).toMatchObject({ icon: '📢', bannerColor: '#2821fc' });
    expect(SendMessageInput.safeParse({ ...base, bannerColor: 'red' }).success).toBe(false);
    expect(SendMessageInput.safeParse({ ...base, to: { everyone: false } }).success).toBe(false);
    expect(MarkReadInput.safeParse({ all: true }).success).toBe(true);
    expect(MarkReadInput.safeParse({ ids: [] }).success).toBe(false);
  });

  it('maps every appCode to a tRPC error code', () => {
    expect(APP_CODES.length).toBeGreaterThan(10);
    for (const code of APP_CODES) expect(APP_ERRORS[code]).toMatch(/^[A-Z_]+$/);
  });
});

describe('TestCase', () => {
  it('expects either an output or a throw, never both or neither', async () => {
    const { TestCase } = await import('./challenges.ts');
    expect(TestCase.safeParse({ input: [1], expectedOutput: 2 }).success).toBe(true);
    expect(TestCase.safeParse({ input: [1], expectedError: { name: 'RangeError' } }).success).toBe(true);
    expect(TestCase.safeParse({ input: [1], expectedError: {} }).success).toBe(true);
    expect(TestCase.safeParse({ input: [1], expectedOutput: 2, expectedError: {} }).success).toBe(false);
    expect(TestCase.safeParse({ input: [1] }).success).toBe(false);
    expect(TestCase.safeParse({ input: [1], expectedError: { messagePattern: '(' } }).success).toBe(false);
    expect(
      TestCase.safeParse({ input: [1], expectedError: { message: 'a', messagePattern: 'a' } }).success,
    ).toBe(false);
  });
});
