import { z } from 'zod';

export const Role = z.enum(['user', 'admin']);
export type Role = z.infer<typeof Role>;

export const Difficulty = z.enum(['beginner', 'easy', 'medium', 'hard']);
export type Difficulty = z.infer<typeof Difficulty>;

/**
 * Languages the judge can run. Both run in the same JavaScript sandbox: TypeScript has its types
 * stripped first (never checked).
 */
export const Language = z.enum(['javascript', 'typescript']);
export type Language = z.infer<typeof Language>;

export const ChallengeStatus = z.enum(['draft', 'published', 'archived']);
export type ChallengeStatus = z.infer<typeof ChallengeStatus>;

export const VerdictStatus = z.enum([
  'accepted',
  'wrong_answer',
  'runtime_error',
  'time_limit_exceeded',
  'memory_limit_exceeded',
  'compile_error',
  'missing_function',
]);
export type VerdictStatus = z.infer<typeof VerdictStatus>;

export const LeaderboardWindow = z.enum(['all', 'week', 'month']);
export type LeaderboardWindow = z.infer<typeof LeaderboardWindow>;
