import type { CheckJob, RunJob } from './run.ts';
import type { FirstFailure, JudgedRun } from './verdict.ts';

/** Messages between the pool (main thread) and a judge worker. */
export type WorkerData = { memoryMb: number; progress: SharedArrayBuffer };

export type WorkerRequest =
  | { type: 'judge'; id: number; job: RunJob }
  | { type: 'check'; id: number; job: CheckJob };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-failed'; message: string }
  | { type: 'failure'; id: number; first: FirstFailure }
  | { type: 'judged'; id: number; run: JudgedRun }
  | { type: 'checked'; id: number; problems: string[]; referenceSlowestTestMs: number | null }
  | { type: 'fault'; id: number; message: string; generator: boolean };

/**
 * Slots of the shared progress buffer (Int32): visible tests passed so far, the position of the running
 * test (-1 while loading), and when that test started (ms since the run began). Read by the watchdog,
 * which kills a worker whose test outlived its limit and still gives a fair verdict.
 */
export const PROGRESS_PASSED = 0;
export const PROGRESS_POSITION = 1;
export const PROGRESS_TEST_STARTED_MS = 2;
export const PROGRESS_SLOTS = 3;
