import type { DatabaseHandle } from '@skillbytes/db';
import pino, { type Logger } from 'pino';
import { queuedAfterResponseJobs, settleAfterResponseJobs } from './auth/mail.ts';
import { rekeyMfaSecrets } from './auth/mfa-rekey.ts';
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
 * Builds the long-lived services of one process; with `mfaPreviousKeys` it also starts re-encrypting TOTP
 * secrets under the current key. `close()` lets queued mails go out (bounded), stops that sweep between
 * batches, then stops the judge and the event bus (not the database).
 */
export async function createServices(
  opts: CreateServicesOptions,
): Promise<Services & { close(): Promise<void> }> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const events = createEventBus(opts.database, logger);
  await events.start();
  const judge = opts.judge ?? createJudge(opts.config.judge, logger);
  // A key rotation: secrets under MFA_PREVIOUS_KEYS move to the current key in the background.
  const stopRekey = new AbortController();
  const rekeying = opts.config.mfaPreviousKeys?.length
    ? rekeyMfaSecrets({ db: opts.database.db, config: opts.config }, stopRekey.signal).then(
        (report) =>
          report.undecryptable
            ? logger.warn(report, 'mfa_rekey_done: some secrets open with no configured key')
            : logger.info(report, 'mfa_rekey_done'),
        (error: unknown) => logger.error({ err: error }, 'mfa_rekey_failed'),
      )
    : Promise.resolve();
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
      stopRekey.abort();
      await rekeying;
      await Promise.allSettled([judge.close(), events.close()]);
    },
  };
}
