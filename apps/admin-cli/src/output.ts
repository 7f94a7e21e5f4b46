import stringWidth from 'string-width';

type Cell = string | number | null | undefined;

/** A table column: its header, and whether it is `fixed` (an id, a slug, a date: never cut short to fit). */
export type Column = string | { header: string; fixed?: boolean };

/** One page of a list, the shape every list prints with --json. */
type Page<T> = { items: T[]; nextCursor: string | null };

/** Where a command's results go: a human table by default, JSON with --json. */
export type Output = {
  json: boolean;
  /** Prints `data` as JSON (with --json) or via `human` otherwise. */
  result<T>(data: T, human: (data: T) => string): void;
  /** Prints a list: `{items, nextCursor}` with --json, else a table (or `empty` on stderr). */
  list<T>(page: Page<T>, view: { columns: Column[]; row: (item: T) => Cell[]; empty: string }): void;
  info(message: string): void;
};

export function createOutput(json: boolean): Output {
  const info = (message: string) => {
    // Progress and notices go to stderr so stdout stays parseable.
    process.stderr.write(`${message}\n`);
  };
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human(data)}\n`);
    },
    list(page, view) {
      if (json) {
        const shape = { items: page.items, nextCursor: page.nextCursor };
        process.stdout.write(`${JSON.stringify(shape, null, 2)}\n`);
        return;
      }
      if (page.items.length === 0) info(view.empty);
      else process.stdout.write(`${table(view.columns, page.items.map(view.row))}\n`);
      if (page.nextCursor) info(`more: --cursor ${page.nextCursor}`);
    },
    info,
  };
}

/**
 * How stdout is laid out: a terminal `width` columns wide, or not a terminal (a pipe or a file).
 * SKILLBYTES_FORCE_TTY lays out for a terminal anyway (as gh's GH_FORCE_TTY), COLUMNS wide when set.
 */
function stdoutLayout(): { isTTY: false } | { isTTY: true; width: number } {
  const forced = process.env.SKILLBYTES_FORCE_TTY;
  const isForced = Boolean(forced) && forced !== '0' && forced !== 'false';
  if (!process.stdout.isTTY && !isForced) return { isTTY: false };
  const columns = Number.parseInt(process.env.COLUMNS ?? '', 10);
  const width = process.stdout.columns || (columns > 0 ? columns : 80);
  return { isTTY: true, width };
}

const GAP = '  ';
/** A column cut to fit keeps at least this many characters (less only when it is narrower). */
const MIN_WIDTH = 6;

/**
 * Rows under a header line. Not on a terminal: tab-separated, one row per line, nothing cut (tabs
 * and line breaks inside a cell become spaces), so columns stay stable for `cut` and `awk`. On a
 * terminal: aligned columns fitted to its width, the widest non-fixed ones cut short with "…".
 */
export function table(columns: Column[], rows: Cell[][]): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const lines = [cols.map((c) => c.header), ...rows.map((r) => cols.map((_, i) => cellText(r[i])))];
  const layout = stdoutLayout();
  if (!layout.isTTY) return lines.map((cells) => cells.join('\t')).join('\n');
  const natural = cols.map((_, i) => Math.max(...lines.map((cells) => stringWidth(cells[i]!))));
  const widths = fitWidths(
    natural,
    cols.map((c) => Boolean(c.fixed)),
    layout.width,
  );
  return lines
    .map((cells) =>
      cells
        .map((cell, i) => {
          const text = truncate(cell, widths[i]!);
          return i === cells.length - 1 ? text : text + ' '.repeat(widths[i]! - stringWidth(text));
        })
        .join(GAP)
        .trimEnd(),
    )
    .join('\n');
}

function cellText(c: Cell): string {
  return c === null || c === undefined ? '' : String(c).replace(/[\t\r\n]+/g, ' ');
}

/**
 * Column widths that fit `width`: fixed columns keep theirs, the others share what is left, the widest
 * cut first (every one to the same cap). When even that cannot fit, the cap is MIN_WIDTH and the
 * line runs over.
 */
function fitWidths(natural: number[], fixed: boolean[], width: number): number[] {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const budget = width - GAP.length * (natural.length - 1) - sum(natural.filter((_, i) => fixed[i]));
  const flexible = natural.filter((_, i) => !fixed[i]);
  if (sum(flexible) <= budget) return natural;
  let cap = Math.max(0, ...flexible);
  while (cap > MIN_WIDTH && sum(flexible.map((w) => Math.min(w, cap))) > budget) cap--;
  return natural.map((w, i) => (fixed[i] ? w : Math.min(w, cap)));
}

const graphemes = new Intl.Segmenter();

/** `text` cut to `width` terminal columns, ending in "…" when anything was cut. */
function truncate(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
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
