import Table from 'cli-table3';

/** Where a command's results go: a human table by default, JSON with --json. */
export type Output = {
  json: boolean;
  /** Prints `data` as JSON (with --json) or via `human` otherwise. */
  result<T>(data: T, human: (data: T) => string): void;
  info(message: string): void;
};

export function createOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human(data)}\n`);
    },
    info(message) {
      // Progress and notices go to stderr so stdout stays parseable.
      process.stderr.write(`${message}\n`);
    },
  };
}

export function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map((c) => (c === null || c === undefined ? '' : String(c))));
  return t.toString();
}

export function keyValues(entries: [string, unknown][]): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries
    .map(
      ([k, v]) =>
        `${k.padEnd(width)}  ${v instanceof Date ? v.toISOString() : v === null || v === undefined ? '-' : String(v)}`,
    )
    .join('\n');
}
