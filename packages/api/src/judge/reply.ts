/** The harness's replies (sandbox/*.js), read into one tagged union on the host. */

export type Signal = 'time' | 'memory' | 'stack';
export type ThrownError = { name: string; message: string; line?: number | null };

/**
 * Everything a sandbox call can answer: the harness's own tagged replies (sandbox/*.js), and `signal`
 * when the engine ended the call (interrupt, out of memory, stack overflow).
 */
export type Reply =
  | { t: 'value'; json: string }
  | { t: 'pending' }
  | { t: 'oom' }
  | { t: 'thrown'; error: ThrownError; isNull?: boolean }
  | { t: 'syntax'; error: ThrownError }
  | { t: 'pass' }
  | { t: 'fail' }
  | { t: 'invalid'; message: string }
  | { t: 'ready' }
  | { t: 'logs'; text: string }
  | { t: 'notes'; notes: string[] }
  | { t: 'signal'; signal: Signal };

const VALUE_PREFIX = '{"t":"value","v":';
const UNREADABLE: Reply = { t: 'thrown', error: { name: 'Error', message: 'The result could not be read' } };
const REPLY_TAGS = new Set([
  'pending',
  'oom',
  'thrown',
  'syntax',
  'pass',
  'fail',
  'invalid',
  'ready',
  'logs',
  'notes',
]);

/**
 * Reads a harness reply defensively: a solution can break JSON inside its own runtime (say with
 * `Array.prototype.toJSON`), which must cost it its verdict and nothing else. A value reply is sliced,
 * not parsed: its JSON is decoded once, by whoever needs the value.
 */
export function readReply(text: string): Reply {
  if (text.startsWith(VALUE_PREFIX) && text.endsWith('}')) {
    return { t: 'value', json: text.slice(VALUE_PREFIX.length, -1) };
  }
  try {
    const parsed = JSON.parse(text) as { t?: unknown };
    if (typeof parsed === 'object' && parsed !== null && REPLY_TAGS.has(parsed.t as string)) {
      return parsed as Reply;
    }
  } catch {}
  return UNREADABLE;
}
