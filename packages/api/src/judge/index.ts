import type { ApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import type { Judge } from './types.ts';

export type { ChallengeCheck, Judge, JudgeMode, JudgeOptions, JudgeResult, JudgeSpec } from './types.ts';

/** Placeholder until the sandboxed judge lands: every call answers JUDGE_UNAVAILABLE. */
export function createJudge(_config: ApiConfig['judge']): Judge {
  const unavailable = async (): Promise<never> => {
    throw new DomainError('JUDGE_UNAVAILABLE', 'The judge is not available');
  };
  return { version: 'none', judge: unavailable, checkChallenge: unavailable, close: async () => {} };
}
