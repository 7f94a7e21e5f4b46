import type { Logger } from 'pino';
import type { ApiConfig } from '../config.ts';
import { JudgePool } from './pool.ts';
import type { Judge } from './types.ts';

export type {
  ChallengeCheck,
  Judge,
  JudgeMode,
  JudgeOptions,
  JudgeResult,
  JudgeSpec,
  JudgeStats,
} from './types.ts';

/** The sandboxed judge: QuickJS (WebAssembly) in a pool of worker threads. */
export function createJudge(config: ApiConfig['judge'], logger?: Logger): Judge {
  return new JudgePool(config, logger);
}
