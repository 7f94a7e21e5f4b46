import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** What the lock file holds: who has the embedded database open, and since when. */
export type LockHolder = { pid: number; purpose: string; startedAt: string; hostname: string };

/**
 * Another process (or another handle in this one) has the embedded PGlite data directory open.
 * PGlite is single-process: a second opener would silently work on its own copy of the pages, so
 * writes of one would be invisible to (or overwritten by) the other.
 */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  readonly holder: LockHolder | undefined;
  readonly lockFile: string;
  constructor(dataDir: string, lockFile: string, holder: LockHolder | undefined) {
    const who = holder
      ? `pid ${holder.pid} (${holder.purpose}, since ${holder.startedAt}${holder.hostname === hostname() ? '' : `, on host ${holder.hostname}`})`
      : 'another process (the lock file could not be read)';
    super(
      `The embedded database in ${dataDir} is already open by ${who}. ` +
        'PGlite serves one process at a time: stop that process first, or use PostgreSQL (DATABASE_URL) ' +
        `to run several. If that process is gone, delete ${lockFile}.`,
    );
    this.holder = holder;
    this.lockFile = lockFile;
  }
}

export type DataDirLock = { file: string; release(): void };

/**
 * Takes the exclusive lock for a PGlite data directory: `<dataDir>.lock`, beside the directory rather
 * than inside it, so PGlite's own files (and dumps) stay untouched. Created atomically with `wx`; a lock
 * left by a process that no longer exists on this host is taken over; any other holder is refused.
 */
export function acquireDataDirLock(dataDir: string, purpose: string): DataDirLock {
  const file = `${dataDir.replace(/[/\\]+$/, '')}.lock`;
  const mine: LockHolder = {
    pid: process.pid,
    purpose,
    startedAt: new Date().toISOString(),
    hostname: hostname(),
  };
  const content = `${JSON.stringify(mine)}\n`;
  // Twice at most: once as is, once more after removing a stale lock.
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (attempt > 0 || !holder || !isStale(holder)) throw new DatabaseLockedError(dataDir, file, holder);
      // The holder died without releasing (a crash, SIGKILL). Two processes taking over the same stale
      // lock in the same instant could both succeed here; a live holder is never taken over.
      try {
        unlinkSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      // Remove it only while it is still ours (an operator may have deleted and someone re-taken it).
      const holder = readHolder(file);
      if (holder?.pid === mine.pid && holder.startedAt === mine.startedAt) {
        try {
          unlinkSync(file);
        } catch {}
      }
    },
  };
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      purpose: String(parsed.purpose ?? 'unknown'),
      startedAt: String(parsed.startedAt ?? 'unknown'),
      hostname: String(parsed.hostname ?? 'unknown'),
    };
  } catch {
    return undefined;
  }
}

/** Only a lock from this host can be proven stale: its pid no longer exists (ESRCH). */
function isStale(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
