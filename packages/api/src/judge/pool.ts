import { randomInt } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Verdict } from '@skillbytes/shared';
import type { ApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import {
  PROGRESS_PASSED,
  PROGRESS_POSITION,
  type WorkerData,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.ts';
import type { CheckJob, RunJob } from './run.ts';
import type { ChallengeCheck, Judge, JudgeMode, JudgeOptions, JudgeResult, JudgeSpec } from './types.ts';
import { type FirstFailure, type VerdictPlan, watchdogVerdict } from './verdict.ts';

/** Bump the suffix when judging changes in a way that could change a verdict. */
export const JUDGE_VERSION = 'quickjs-0.31.0/1';

/** Time the worker gets past its deadline before the host kills it (Judge0 allows 1 s of extra CPU). */
const WATCHDOG_GRACE_MS = 500;

/** Loads worker.ts through tsx, so the pool works the same under vitest and under `node --import tsx`. */
const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);
/** The 4 MB stack is what keeps QuickJS's own 512 KiB stack check ahead of a host stack overflow. */
const WORKER_OPTIONS = { execArgv: [], resourceLimits: { stackSizeMb: 4 } };

type Progress = { passed: number; position: number; first: FirstFailure | null };

type Task = {
  request: { type: 'judge'; job: RunJob } | { type: 'check'; job: CheckJob };
  budgetMs: number;
  first: FirstFailure | null;
  replied(reply: WorkerReply): void;
  timedOut(progress: Progress, elapsedMs: number): void;
  failed(error: DomainError): void;
};

type Slot = {
  worker: Worker;
  counters: Int32Array;
  ready: boolean;
  gone: boolean;
  task: Task | null;
  taskId: number;
  startedAt: number;
  watchdog: NodeJS.Timeout | null;
};

const unavailable = (message: string) => new DomainError('JUDGE_UNAVAILABLE', message);

/**
 * Worker threads that judge one run at a time each, a bounded queue in front, one run in flight per
 * owner. Workers start on demand and are unref'd, so an idle judge never holds the process open.
 */
export class JudgePool implements Judge {
  readonly version = JUDGE_VERSION;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly owners = new Set<string>();
  private readonly size: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly config: ApiConfig['judge']) {
    this.size = Math.max(1, config.workers);
  }

  async judge(
    spec: JudgeSpec,
    code: string,
    mode: JudgeMode,
    options: JudgeOptions = {},
  ): Promise<JudgeResult> {
    this.assertOpen();
    const { codeMaxBytes, maxCases, timeoutMs, memoryMb } = this.config;
    const bytes = Buffer.byteLength(code, 'utf8');
    if (bytes > codeMaxBytes) {
      throw new DomainError('CODE_TOO_LARGE', `The code is ${bytes} bytes; the limit is ${codeMaxBytes}`, {
        limitBytes: codeMaxBytes,
      });
    }
    const submit = mode === 'submit';
    const hiddenTests = submit ? spec.hiddenTests : [];
    const generator = submit ? spec.generator : null;
    const total = spec.tests.length + hiddenTests.length + (generator?.cases ?? 0);
    if (total > maxCases) {
      throw new DomainError(
        'CHALLENGE_INVALID',
        `This challenge has ${total} tests; the judge runs at most ${maxCases}`,
      );
    }
    const seed = generator ? (options.seed ?? randomInt(2 ** 31)) : null;
    const job: RunJob = {
      code,
      functionName: spec.functionName,
      tests: spec.tests,
      hiddenTests,
      generator,
      seed,
      collectLogs: !submit,
      reveal: false,
      timeoutMs,
      memoryMb,
    };
    const plan: VerdictPlan = { total, reveal: false, seed, timeMs: timeoutMs, memoryMb };
    const counts = { visible: spec.tests.length, hidden: hiddenTests.length };
    const verdict = await this.schedule<Verdict>(options.owner, { type: 'judge', job }, timeoutMs, {
      replied: (reply) => (reply.type === 'judged' ? reply.verdict : null),
      timedOut: (progress, elapsedMs) =>
        watchdogVerdict(
          plan,
          progress,
          counts,
          elapsedMs,
          spec.tests.map((t) => t.input),
        ),
    });
    return { verdict, seed };
  }

  async checkChallenge(spec: JudgeSpec & { solution: string | null }): Promise<ChallengeCheck> {
    this.assertOpen();
    const { codeMaxBytes, maxCases, timeoutMs, memoryMb } = this.config;
    const total = spec.tests.length + spec.hiddenTests.length + (spec.generator?.cases ?? 0);
    const early: string[] = [];
    if (total > maxCases) {
      early.push(
        `The challenge has ${total} tests (visible, hidden and generated); the judge runs at most ${maxCases}`,
      );
    }
    if (spec.solution !== null && Buffer.byteLength(spec.solution, 'utf8') > codeMaxBytes) {
      early.push(`The reference solution is larger than ${codeMaxBytes} bytes`);
    }
    if (early.length > 0) return { ok: false, problems: early };
    const job: CheckJob = {
      functionName: spec.functionName,
      tests: spec.tests,
      hiddenTests: spec.hiddenTests,
      generator: spec.generator,
      solution: spec.solution,
      timeoutMs,
      memoryMb,
    };
    // One deadline for the generator and checker, one for the reference solution.
    const budgetMs = timeoutMs * 2;
    const problems = await this.schedule<string[]>(undefined, { type: 'check', job }, budgetMs, {
      replied: (reply) => (reply.type === 'checked' ? reply.problems : null),
      timedOut: () => [
        `The check did not finish within ${budgetMs} ms: the generator, its outFn or the reference solution does not stop`,
      ],
    });
    return problems.length > 0 ? { ok: false, problems } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failQueue('The judge is shut down');
    await Promise.all([...this.slots].map((slot) => this.retire(slot, 'The judge is shut down')));
  }

  private assertOpen(): void {
    if (this.closed) throw unavailable('The judge is shut down');
  }

  private schedule<T>(
    owner: string | undefined,
    request: Task['request'],
    budgetMs: number,
    answer: { replied(reply: WorkerReply): T | null; timedOut(progress: Progress, elapsedMs: number): T },
  ): Promise<T> {
    if (owner !== undefined && this.owners.has(owner)) {
      throw new DomainError('JUDGE_BUSY', 'Your previous run is still being judged');
    }
    const running = [...this.slots].filter((s) => s.task).length;
    if (running + this.queue.length >= this.size + this.config.queueMax) {
      throw new DomainError('JUDGE_BUSY', 'The judge is busy; try again in a moment');
    }
    if (owner !== undefined) this.owners.add(owner);
    const result = new Promise<T>((resolve, reject) => {
      this.queue.push({
        request,
        budgetMs,
        first: null,
        replied(reply) {
          const value = answer.replied(reply);
          if (value !== null) return resolve(value);
          if (reply.type === 'fault' && reply.generator) {
            return reject(unavailable("The challenge's generated tests could not be produced"));
          }
          reject(unavailable('The judge failed'));
        },
        timedOut: (progress, elapsedMs) => resolve(answer.timedOut(progress, elapsedMs)),
        failed: reject,
      });
      this.pump();
    });
    return result.finally(() => {
      if (owner !== undefined) this.owners.delete(owner);
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (slot.ready && !slot.task) this.assign(slot, this.queue.shift() as Task);
    }
    const starting = [...this.slots].filter((s) => !s.ready).length;
    const wanted = Math.min(this.queue.length - starting, this.size - this.slots.size);
    for (let i = 0; i < wanted; i++) this.spawn();
  }

  private spawn(): void {
    const counters = new Int32Array(new SharedArrayBuffer(8));
    const workerData: WorkerData = {
      memoryMb: this.config.memoryMb,
      progress: counters.buffer as SharedArrayBuffer,
    };
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL, { ...WORKER_OPTIONS, workerData });
    } catch {
      if (this.slots.size === 0) this.failQueue('The judge could not start');
      return;
    }
    worker.unref();
    const slot: Slot = {
      worker,
      counters,
      ready: false,
      gone: false,
      task: null,
      taskId: 0,
      startedAt: 0,
      watchdog: null,
    };
    this.slots.add(slot);
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', () => void this.retire(slot, 'The judge stopped unexpectedly'));
    worker.on('exit', () => void this.retire(slot, 'The judge stopped unexpectedly'));
  }

  private assign(slot: Slot, task: Task): void {
    const id = this.nextId++;
    slot.task = task;
    slot.taskId = id;
    Atomics.store(slot.counters, PROGRESS_PASSED, 0);
    Atomics.store(slot.counters, PROGRESS_POSITION, -1);
    slot.startedAt = performance.now();
    slot.watchdog = setTimeout(() => this.onWatchdog(slot), task.budgetMs + WATCHDOG_GRACE_MS);
    slot.worker.postMessage({ ...task.request, id } as WorkerRequest);
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (reply.type === 'ready') {
      slot.ready = true;
      this.pump();
    } else if (reply.type === 'init-failed') {
      void this.retire(slot, 'The judge could not start');
    } else if (reply.type === 'failure') {
      if (slot.task && reply.id === slot.taskId) slot.task.first = reply.first;
    } else if (slot.task && reply.id === slot.taskId) {
      const task = slot.task;
      this.release(slot);
      task.replied(reply);
      this.pump();
    }
  }

  /**
   * The code is stuck where QuickJS never polls its interrupt handler (`new Array(1e9) + ''`,
   * quickjs-emscripten#219): kill the worker, answer time_limit_exceeded, start a fresh worker.
   */
  private onWatchdog(slot: Slot): void {
    const task = slot.task;
    if (!task) return;
    const progress: Progress = {
      passed: Atomics.load(slot.counters, PROGRESS_PASSED),
      position: Atomics.load(slot.counters, PROGRESS_POSITION),
      first: task.first,
    };
    const elapsedMs = performance.now() - slot.startedAt;
    this.release(slot);
    void this.retire(slot, 'The judge stopped unexpectedly');
    task.timedOut(progress, elapsedMs);
    if (!this.closed && this.slots.size < this.size) this.spawn();
    this.pump();
  }

  private failQueue(reason: string): void {
    for (const task of this.queue.splice(0)) task.failed(unavailable(reason));
  }

  private release(slot: Slot): void {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = null;
    slot.task = null;
  }

  private async retire(slot: Slot, reason: string): Promise<void> {
    if (slot.gone) return;
    slot.gone = true;
    this.slots.delete(slot);
    const task = slot.task;
    this.release(slot);
    if (task) task.failed(unavailable(reason));
    // A worker that never started, with nothing else alive to take the queue: fail fast, no respawn loop.
    if (!slot.ready && this.slots.size === 0) this.failQueue('The judge could not start');
    if (!this.closed) this.pump();
    await slot.worker.terminate();
  }
}
