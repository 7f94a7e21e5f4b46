import { randomInt } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { ApiConfig } from '../config.ts';
import { DomainError } from '../errors.ts';
import {
  PROGRESS_PASSED,
  PROGRESS_POSITION,
  PROGRESS_SLOTS,
  PROGRESS_TEST_STARTED_MS,
  type WorkerData,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.ts';
import type { CheckJob, RunJob } from './run.ts';
import { sanitizeVerdict } from './storable.ts';
import type { ChallengeCheck, Judge, JudgeMode, JudgeOptions, JudgeResult, JudgeSpec } from './types.ts';
import {
  type FirstFailure,
  type JudgedRun,
  type TimeScope,
  type VerdictPlan,
  watchdogVerdict,
} from './verdict.ts';

/** Bump the suffix when judging changes in a way that could change a verdict. */
export const JUDGE_VERSION = 'quickjs-0.31.0/2';

/** Time the worker gets past a deadline before the host kills it (Judge0 allows 1 s of extra CPU). */
const WATCHDOG_GRACE_MS = 500;
/** How often a busy worker's progress is looked at, at most. */
const WATCHDOG_POLL_MS = 100;

/**
 * Fair queueing. An owner's runs that hit a time or memory limit add to a penalty that halves every
 * minute; a queued run starts as if it had arrived `PENALTY_DELAY_MS` later per point of penalty, and
 * penalised owners never hold the last free worker. A user whose runs finish is never stuck behind
 * someone submitting spin loops, and a penalised user still gets served when nobody else waits.
 */
const PENALTY_HALF_LIFE_MS = 60_000;
const PENALTY_DELAY_MS = 2_000;
const PENALTY_MAX = 8;
const PENALISED_FROM = 0.5;

/** Loads worker.ts through tsx, so the pool works the same under vitest and under `node --import tsx`. */
const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);
/** The 4 MB stack is what keeps QuickJS's own 512 KiB stack check ahead of a host stack overflow. */
const WORKER_OPTIONS = { execArgv: [], resourceLimits: { stackSizeMb: 4 } };

type Progress = { passed: number; position: number; first: FirstFailure | null };

type Task = {
  request: { type: 'judge'; job: RunJob } | { type: 'check'; job: CheckJob };
  owner: string | undefined;
  /** Virtual arrival time: the real one plus the owner's penalty delay. The queue serves the smallest. */
  key: number;
  penalised: boolean;
  budgetMs: number;
  /** The per-test limit the watchdog enforces (null: only the whole budget). */
  testBudgetMs: number | null;
  first: FirstFailure | null;
  replied(reply: WorkerReply): void;
  timedOut(progress: Progress, elapsedMs: number, scope: TimeScope): void;
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
 * Worker threads that judge one run at a time each, a bounded fair queue in front, one run in flight
 * per owner. Workers start on demand and are unref'd, so an idle judge never holds the process open.
 */
export class JudgePool implements Judge {
  readonly version = JUDGE_VERSION;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly owners = new Set<string>();
  private readonly penalties = new Map<string, { score: number; at: number }>();
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
    const { codeMaxBytes, maxCases, timeoutMs, testTimeoutMs, memoryMb } = this.config;
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
      judgesHidden: submit,
      reveal: false,
      timeoutMs,
      testTimeoutMs,
      memoryMb,
    };
    const plan: VerdictPlan = {
      visible: spec.tests.length,
      judgesHidden: submit,
      reveal: false,
      seed,
      timeMs: timeoutMs,
      testTimeMs: testTimeoutMs,
      memoryMb,
    };
    const counts = { visible: spec.tests.length, hidden: hiddenTests.length };
    const visibleInputs = spec.tests.map((t) => t.input);
    const run = await this.schedule<JudgedRun>(
      options.owner,
      { type: 'judge', job },
      timeoutMs,
      testTimeoutMs,
      {
        replied: (reply) => (reply.type === 'judged' ? reply.run : null),
        timedOut: (progress, elapsedMs, scope) =>
          watchdogVerdict(plan, progress, counts, elapsedMs, scope, visibleInputs),
      },
    );
    const verdict = sanitizeVerdict(run.verdict);
    if (options.owner !== undefined && hitLimit(verdict.status)) this.penalise(options.owner);
    return { verdict, seed, durationMs: run.durationMs };
  }

  async checkChallenge(spec: JudgeSpec & { solution: string | null }): Promise<ChallengeCheck> {
    this.assertOpen();
    const { codeMaxBytes, maxCases, timeoutMs, testTimeoutMs, memoryMb } = this.config;
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
      testTimeoutMs,
      memoryMb,
    };
    // One deadline each for the generator and checker, the reference solution, and the adversaries.
    const budgetMs = timeoutMs * 3;
    const problems = await this.schedule<string[]>(undefined, { type: 'check', job }, budgetMs, null, {
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

  /** The owner's penalty now: every run that hit a limit adds one, and it halves every minute. */
  private penaltyOf(owner: string | undefined, now = performance.now()): number {
    const p = owner === undefined ? undefined : this.penalties.get(owner);
    if (!p) return 0;
    const score = p.score * 0.5 ** ((now - p.at) / PENALTY_HALF_LIFE_MS);
    if (score < 0.05 && owner !== undefined) this.penalties.delete(owner);
    return score;
  }

  private penalise(owner: string): void {
    const now = performance.now();
    this.penalties.set(owner, { score: Math.min(PENALTY_MAX, this.penaltyOf(owner, now) + 1), at: now });
  }

  private schedule<T>(
    owner: string | undefined,
    request: Task['request'],
    budgetMs: number,
    testBudgetMs: number | null,
    answer: {
      replied(reply: WorkerReply): T | null;
      timedOut(progress: Progress, elapsedMs: number, scope: TimeScope): T;
    },
  ): Promise<T> {
    if (owner !== undefined && this.owners.has(owner)) {
      throw new DomainError('JUDGE_BUSY', 'Your previous run is still being judged');
    }
    const running = [...this.slots].filter((s) => s.task).length;
    if (running + this.queue.length >= this.size + this.config.queueMax) {
      throw new DomainError('JUDGE_BUSY', 'The judge is busy; try again in a moment');
    }
    if (owner !== undefined) this.owners.add(owner);
    const now = performance.now();
    const penalty = this.penaltyOf(owner, now);
    const result = new Promise<T>((resolve, reject) => {
      this.queue.push({
        request,
        owner,
        key: now + penalty * PENALTY_DELAY_MS,
        penalised: penalty >= PENALISED_FROM,
        budgetMs,
        testBudgetMs,
        first: null,
        replied(reply) {
          const value = answer.replied(reply);
          if (value !== null) return resolve(value);
          if (reply.type === 'fault' && reply.generator) {
            return reject(unavailable("The challenge's generated tests could not be produced"));
          }
          reject(unavailable('The judge failed'));
        },
        timedOut: (progress, elapsedMs, scope) => resolve(answer.timedOut(progress, elapsedMs, scope)),
        failed: reject,
      });
      this.pump();
    });
    return result.finally(() => {
      if (owner !== undefined) this.owners.delete(owner);
    });
  }

  /**
   * The next task to start: the smallest virtual arrival time, except that penalised owners may not
   * take the last free worker (with more than one worker), so it stays free for everyone else.
   */
  private takeNext(): Task | undefined {
    const busyPenalised = [...this.slots].filter((s) => s.task?.penalised).length;
    const penalisedMayStart = this.size === 1 || busyPenalised < this.size - 1;
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const task = this.queue[i]!;
      if (task.penalised && !penalisedMayStart) continue;
      if (best < 0 || task.key < this.queue[best]!.key) best = i;
    }
    return best < 0 ? undefined : this.queue.splice(best, 1)[0];
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.task) continue;
      const task = this.takeNext();
      if (!task) break;
      this.assign(slot, task);
    }
    const starting = [...this.slots].filter((s) => !s.ready).length;
    const wanted = Math.min(this.queue.length - starting, this.size - this.slots.size);
    for (let i = 0; i < wanted; i++) this.spawn();
  }

  private spawn(): void {
    const counters = new Int32Array(new SharedArrayBuffer(4 * PROGRESS_SLOTS));
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
    Atomics.store(slot.counters, PROGRESS_TEST_STARTED_MS, 0);
    slot.startedAt = performance.now();
    this.armWatchdog(slot, task, id);
    slot.worker.postMessage({ ...task.request, id } as WorkerRequest);
  }

  /**
   * Kills the worker when the whole run, or the test it is on, outlives its limit by the grace: the
   * code is stuck where QuickJS never polls its interrupt handler (`new Array(1e9) + ''`,
   * quickjs-emscripten#219). A test's start comes from the worker through the shared progress buffer.
   */
  private armWatchdog(slot: Slot, task: Task, id: number): void {
    const check = () => {
      if (slot.task !== task || slot.taskId !== id) return;
      const elapsed = performance.now() - slot.startedAt;
      const runLeft = task.budgetMs + WATCHDOG_GRACE_MS - elapsed;
      if (runLeft <= 0) return this.onWatchdog(slot, 'submission');
      let wait = runLeft;
      if (task.testBudgetMs !== null) {
        const position = Atomics.load(slot.counters, PROGRESS_POSITION);
        if (position >= 0) {
          const testElapsed = elapsed - Atomics.load(slot.counters, PROGRESS_TEST_STARTED_MS);
          const testLeft = task.testBudgetMs + WATCHDOG_GRACE_MS - testElapsed;
          if (testLeft <= 0) return this.onWatchdog(slot, 'test');
          wait = Math.min(wait, testLeft);
        }
        wait = Math.min(wait, Math.max(WATCHDOG_POLL_MS, task.testBudgetMs / 2));
      }
      slot.watchdog = setTimeout(check, Math.max(10, wait));
    };
    const first = Math.min(task.budgetMs, task.testBudgetMs ?? task.budgetMs) + WATCHDOG_GRACE_MS;
    slot.watchdog = setTimeout(check, first);
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

  /** Kill the stuck worker, answer time_limit_exceeded, start a fresh worker. */
  private onWatchdog(slot: Slot, scope: TimeScope): void {
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
    task.timedOut(progress, elapsedMs, scope);
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

function hitLimit(status: string): boolean {
  return status === 'time_limit_exceeded' || status === 'memory_limit_exceeded';
}
