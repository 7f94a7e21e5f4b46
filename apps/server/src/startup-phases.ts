const PREFIX = 'startup:';

/** Marks the end of a start-up phase; `startupPhases()` reads the marks back. */
export function markPhase(name: string) {
  performance.mark(`${PREFIX}${name}`);
}

/**
 * Each phase marked so far: when it ended (ms since the process started) and how long it took (since the
 * previous mark, the first one since the process started). Clears the marks, so a second server in the
 * same process (tests) reports its own.
 */
export function startupPhases(): Record<string, { atMs: number; ms: number }> {
  const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith(PREFIX));
  const phases: Record<string, { atMs: number; ms: number }> = {};
  let previous = 0;
  for (const mark of marks) {
    const name = mark.name.slice(PREFIX.length);
    phases[name] = { atMs: Math.round(mark.startTime), ms: Math.round(mark.startTime - previous) };
    previous = mark.startTime;
    performance.clearMarks(mark.name);
  }
  return phases;
}
