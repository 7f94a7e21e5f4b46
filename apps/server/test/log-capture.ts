import pino from 'pino';

export type LogLine = { level: number; msg: string; path?: string; ip?: string | null; status?: number };

/** A debug-level pino logger that keeps its lines, and a wait for one to appear (request logs come on close). */
export function captureLogs() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  );
  async function waitFor(match: (l: LogLine) => boolean): Promise<LogLine> {
    for (let i = 0; i < 200; i++) {
      const found = lines.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no such log line in:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  }
  return { logger, lines, waitFor };
}
