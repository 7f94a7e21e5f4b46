import pino, { type Logger } from 'pino';
import type { ServerEnv } from './config.ts';

/**
 * The process logger. JSON lines for machines (production, pipes, log collectors); on a terminal
 * during development, one coloured line per event for the person watching (LOG_FORMAT=auto).
 */
export async function createLogger(
  env: Pick<ServerEnv, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>,
  stdoutIsTty = process.stdout.isTTY === true,
): Promise<Logger> {
  const readable =
    env.LOG_FORMAT === 'pretty' ||
    (env.LOG_FORMAT === 'auto' && stdoutIsTty && env.NODE_ENV !== 'production');
  if (!readable) return pino({ level: env.LOG_LEVEL });
  // Loaded only for a person's terminal: a production start does not pay for it.
  const { default: pretty } = await import('pino-pretty');
  // Synchronous writes: a line logged just before process.exit is not lost. Colours only on a terminal.
  const stream = pretty({
    colorize: stdoutIsTty,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return pino({ level: env.LOG_LEVEL }, stream);
}
