/**
 * Fair queueing by judge time. Every run charges its owner the judge time it used, in units of the
 * per-test limit (a run that hit a time or memory limit costs at least one), and the charge halves
 * every minute. A queued run starts as if it had arrived `PENALTY_DELAY_MS` later per unit its owner
 * owes, and owners who owe half a unit or more never take the last free worker. So a user whose runs
 * take milliseconds is never stuck behind someone submitting spin loops, or code that runs just under
 * the limit, and those owners are still served when nobody else waits.
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
   * take the last idle worker (with more than one worker), so it stays free for everyone else; a
   * worker still starting (after the watchdog killed one) is not idle.
   */
  take(pool: { workers: number; idle: number; busyPenalised: number }): T | undefined {
    const penalisedMayStart = pool.workers === 1 || (pool.idle >= 2 && pool.busyPenalised < pool.workers - 1);
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

  /** A run of `owner`'s used `units` of judge time (ms over the per-test limit; at least 1 at a limit). */
  charge(owner: string, units: number): void {
    const now = performance.now();
    this.penalties.set(owner, { score: Math.min(PENALTY_MAX, this.penaltyOf(owner, now) + units), at: now });
  }

  /** What the owner owes now: every run adds its judge time, and it halves every minute. */
  private penaltyOf(owner: string | undefined, now: number): number {
    const p = owner === undefined ? undefined : this.penalties.get(owner);
    if (!p) return 0;
    const score = p.score * 0.5 ** ((now - p.at) / PENALTY_HALF_LIFE_MS);
    if (score < 0.05 && owner !== undefined) this.penalties.delete(owner);
    return score;
  }
}
