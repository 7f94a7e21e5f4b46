import type { Verdict } from '@skillbytes/shared';
import type { CheckJob, RunJob } from './run.ts';
import type { FirstFailure } from './verdict.ts';

/** Messages between the pool (main thread) and a judge worker. */
export type WorkerData = { memoryMb: number; progress: SharedArrayBuffer };

export type WorkerRequest =
  | { type: 'judge'; id: number; job: RunJob }
  | { type: 'check'; id: number; job: CheckJob };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-failed'; message: string }
  | { type: 'failure'; id: number; first: FirstFailure }
  | { type: 'judged'; id: number; verdict: Verdict }
  | { type: 'checked'; id: number; problems: string[] }
  | { type: 'fault'; id: number; message: string; generator: boolean };

/**
 * Slots of the shared progress buffer: tests passed so far, and the position of the running test
 * (-1 while loading). Read by the watchdog after it kills a worker that stopped answering.
 */
export const PROGRESS_PASSED = 0;
export const PROGRESS_POSITION = 1;
