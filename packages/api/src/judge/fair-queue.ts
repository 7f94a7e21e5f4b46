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

/** What the queue needs to know of a task; the pool's tasks carry more. */
export type Queued = {
  owner: string | undefined;
  /** Virtual arrival time: the real one plus the owner's penalty delay. The queue serves the smallest. */
  key: number;
  penalised: boolean;
};

export class FairQueue<T extends Queued> {
  private readonly tasks: T[] = [];
  private readonly penalties = new Map<string, { score: number; at: number }>();

  get length(): number {
    return this.tasks.length;
  }

  /** The queue fields of a task `owner` is about to add, from the owner's penalty now. */
  placing(owner: string | undefined, now = performance.now()): Queued {
    const penalty = this.penaltyOf(owner, now);
    return { owner, key: now + penalty * PENALTY_DELAY_MS, penalised: penalty >= PENALISED_FROM };
  }

  push(task: T): void {
    this.tasks.push(task);
  }

  /**
   * The next task to start: the smallest virtual arrival time, except that penalised owners may not
   * take the last free worker (with more than one worker), so it stays free for everyone else.
   */
  take(workers: number, busyPenalised: number): T | undefined {
    const penalisedMayStart = workers === 1 || busyPenalised < workers - 1;
    let best = -1;
    for (let i = 0; i < this.tasks.length; i++) {
      const task = this.tasks[i]!;
      if (task.penalised && !penalisedMayStart) continue;
      if (best < 0 || task.key < this.tasks[best]!.key) best = i;
    }
    return best < 0 ? undefined : this.tasks.splice(best, 1)[0];
  }

  /** Empties the queue, returning what was in it. */
  drain(): T[] {
    return this.tasks.splice(0);
  }

  /** A run of `owner`'s hit a time or memory limit. */
  penalise(owner: string): void {
    const now = performance.now();
    this.penalties.set(owner, { score: Math.min(PENALTY_MAX, this.penaltyOf(owner, now) + 1), at: now });
  }

  /** The owner's penalty now: every run that hit a limit adds one, and it halves every minute. */
  private penaltyOf(owner: string | undefined, now: number): number {
    const p = owner === undefined ? undefined : this.penalties.get(owner);
    if (!p) return 0;
    const score = p.score * 0.5 ** ((now - p.at) / PENALTY_HALF_LIFE_MS);
    if (score < 0.05 && owner !== undefined) this.penalties.delete(owner);
    return score;
  }
}
