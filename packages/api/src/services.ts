import type { DatabaseHandle } from '@skillbytes/db';
import pino, { type Logger } from 'pino';
import { queuedAfterResponseJobs, settleAfterResponseJobs } from './auth/mail.ts';
import type { ApiConfig } from './config.ts';
import { type Clock, type ProcedureObserver, type Services, systemClock } from './context.ts';
import { createEventBus } from './events/bus.ts';
import { createStreamSlots } from './events/stream-slots.ts';
import { createJudge } from './judge/index.ts';
import type { Judge } from './judge/types.ts';

export type CreateServicesOptions = {
  database: DatabaseHandle;
  config: ApiConfig;
  logger?: Logger;
  clock?: Clock;
  judge?: Judge;
  onProcedure?: ProcedureObserver;
};

/** How long `close()` waits for queued mails (password resets) to go out before it stops anyway. */
const MAIL_DRAIN_MS = 10_000;

/**
 * Builds the long-lived services of one process. `close()` lets queued mails go out (bounded), then stops
 * the judge and the event bus (not the database).
 */
export async function createServices(
  opts: CreateServicesOptions,
): Promise<Services & { close(): Promise<void> }> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const events = createEventBus(opts.database, logger);
  await events.start();
  const judge = opts.judge ?? createJudge(opts.config.judge, logger);
  return {
    db: opts.database.db,
    database: opts.database,
    config: opts.config,
    clock: opts.clock ?? systemClock,
    logger,
    judge,
    events,
    streams: createStreamSlots(opts.config.streams),
    onProcedure: opts.onProcedure,
    async close() {
      // Mails still queued go out first: they read the database, which the caller closes after this.
      if (!(await settleAfterResponseJobs(MAIL_DRAIN_MS))) {
        logger.warn({ queued: queuedAfterResponseJobs() }, 'mail_queue_not_drained');
      }
      await Promise.allSettled([judge.close(), events.close()]);
    },
  };
}
