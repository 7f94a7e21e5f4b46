// Longer than our ~300-line habit on purpose: the slots' lifecycle (spawn, assign, watchdog, reply,
// retire) is one state machine over state they all share; split up, each part would reach into the rest.
import { isSequenceTest } from '@skillbytes/shared';
import { randomInt } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
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
import { FairQueue, type Queued } from './fair-queue.ts';
import type { CheckJob, RunJob } from './run.ts';
import { sanitizeVerdict } from './storable.ts';
import type {
  ChallengeCheck,
  CheckSpec,
  Judge,
  JudgeMode,
  JudgeOptions,
  JudgeResult,
  JudgeSpec,
  JudgeStats,
  RunObserver,
} from './types.ts';
import {
  type FirstFailure,
  type JudgedRun,
  type TimeScope,
  type VerdictPlan,
  watchdogVerdict,
} from './verdict.ts';

/** Bump the suffix when judging changes in a way that could change a verdict. */
const JUDGE_VERSION = 'quickjs-0.31.0/2';

/** Time the worker gets past a deadline before the host kills it (Judge0 allows 1 s of extra CPU). */
const WATCHDOG_GRACE_MS = 500;
/** How often a busy worker's progress is looked at, at most. */
const WATCHDOG_POLL_MS = 100;

/**
 * Built (dist/*.js, run with `--conditions=skillbytes-built`: `pnpm start`, the image), the worker is plain
 * JavaScript and needs that condition too, to import the other packages' builds rather than their sources.
 * From sources (vitest, `pnpm dev`), worker-entry.mjs loads worker.ts through tsx.
 */
const isBuilt = import.meta.url.endsWith('.js');
const WORKER_URL = isBuilt
  ? new URL('./worker.js', import.meta.url)
  : new URL('./worker-entry.mjs', import.meta.url);
/** The 4 MB stack is what keeps QuickJS's own 512 KiB stack check ahead of a host stack overflow. */
const WORKER_OPTIONS = {
  execArgv: isBuilt ? ['--conditions=skillbytes-built'] : [],
  resourceLimits: { stackSizeMb: 4 },
};

type Progress = { passed: number; position: number; first: FirstFailure | null };

type Task = Queued & {
  request: { type: 'judge'; job: RunJob } | { type: 'check'; job: CheckJob };
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
  private readonly queue = new FairQueue<Task>();
  private readonly owners = new Set<string>();
  private readonly size: number;
  private nextId = 1;
  private closed = false;
  /** Workers that stopped while the pool was open (a crash, a watchdog kill, a poisoned module). */
  private workerRestarts = 0;
  private readonly observers = new Set<RunObserver>();

  private readonly config: ApiConfig['judge'];
  private readonly logger: Logger | undefined;

  constructor(config: ApiConfig['judge'], logger?: Logger) {
    this.config = config;
    this.logger = logger;
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
    const testTimeoutMs = Math.min(timeoutMs, spec.testTimeoutMs ?? this.config.testTimeoutMs);
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
      language: options.language ?? 'javascript',
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
    const visibleInputs = spec.tests.map((t) => (isSequenceTest(t) ? { steps: t.steps } : t.input));
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
    if (options.owner !== undefined) {
      const used = run.durationMs / testTimeoutMs;
      this.queue.charge(options.owner, hitLimit(verdict.status) ? Math.max(1, used) : used);
    }
    for (const observer of this.observers)
      observer({ mode, status: verdict.status, durationMs: run.durationMs });
    return { verdict, seed, durationMs: run.durationMs };
  }

  async checkChallenge(spec: CheckSpec): Promise<ChallengeCheck> {
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
      language: spec.language ?? 'javascript',
      timeoutMs,
      testTimeoutMs,
      memoryMb,
    };
    // One deadline each for the generator and checker, the reference solution, and the adversaries.
    const budgetMs = timeoutMs * 3;
    type Checked = { problems: string[]; referenceSlowestTestMs: number | null };
    const checked = await this.schedule<Checked>(undefined, { type: 'check', job }, budgetMs, null, {
      replied: (reply) => (reply.type === 'checked' ? reply : null),
      timedOut: () => ({
        problems: [
          `The check did not finish within ${budgetMs} ms: the generator, its outFn or the reference solution does not stop`,
        ],
        referenceSlowestTestMs: null,
      }),
    });
    if (checked.problems.length > 0) return { ok: false, problems: checked.problems };
    const slowest = checked.referenceSlowestTestMs;
    if (slowest !== null && slowest * REFERENCE_FACTOR > timeoutMs) {
      return {
        ok: false,
        problems: [
          `The reference solution needs ${slowest} ms on its slowest test: a user needs ${REFERENCE_FACTOR} times that, ` +
            `more than the judge's ${timeoutMs} ms per submission (QuickJS runs plain code 10-20 times slower ` +
            'than Node, tight numeric loops ~100 times): make the tests smaller',
        ],
      };
    }
    return {
      ok: true,
      testTimeLimitMs: deriveTestLimit(slowest, this.config),
      referenceSlowestTestMs: slowest,
    };
  }

  stats(): JudgeStats {
    const slots = [...this.slots];
    return {
      queued: this.queue.length,
      busy: slots.filter((s) => s.task !== null).length,
      workers: slots.length,
      workerRestarts: this.workerRestarts,
    };
  }

  observe(observer: RunObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
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
    const { logger } = this;
    const result = new Promise<T>((resolve, reject) => {
      this.queue.push({
        ...this.queue.placing(owner),
        request,
        budgetMs,
        testBudgetMs,
        first: null,
        replied(reply) {
          const value = answer.replied(reply);
          if (value !== null) return resolve(value);
          // Not a verdict and not the user's fault: operators need to see it.
          if (reply.type === 'fault')
            logger?.error({ fault: reply.message, generator: reply.generator }, 'judge_fault');
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

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.task) continue;
      const slots = [...this.slots];
      const task = this.queue.take({
        workers: this.size,
        idle: slots.filter((s) => s.ready && !s.task).length,
        busyPenalised: slots.filter((s) => s.task?.penalised).length,
      });
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
    for (const task of this.queue.drain()) task.failed(unavailable(reason));
  }

  private release(slot: Slot): void {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = null;
    slot.task = null;
  }

  private async retire(slot: Slot, reason: string): Promise<void> {
    if (slot.gone) return;
    slot.gone = true;
    if (!this.closed) this.workerRestarts++;
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

/**
 * A user gets this many times the reference solution's time on each test: room for a slower but
 * intended algorithm (and a busier machine), never for a much worse one.
 */
const REFERENCE_FACTOR = 5;

/** A challenge's per-test limit: REFERENCE_FACTOR × its reference's slowest test, within the judge's bounds. */
function deriveTestLimit(slowestMs: number | null, config: ApiConfig['judge']): number {
  if (slowestMs === null) return config.testTimeoutMs;
  const derived = Math.ceil((slowestMs * REFERENCE_FACTOR) / 100) * 100;
  return Math.min(config.timeoutMs, Math.max(config.testTimeoutMs, derived));
}

function hitLimit(status: string): boolean {
  return status === 'time_limit_exceeded' || status === 'memory_limit_exceeded';
}
