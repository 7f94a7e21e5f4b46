import type { Transporter } from 'nodemailer';
import type { MailConfig } from '../config.ts';
import type { ServiceContext } from '../context.ts';

export type Mail = { to: string; subject: string; text: string };

/** One pooled transport per SMTP URL and process. */
const transports = new Map<string, Transporter>();

async function transportFor(config: MailConfig): Promise<Transporter> {
  let transport = transports.get(config.smtpUrl);
  if (!transport) {
    // Loaded on the first mail: a server without SMTP, and every start, does without it.
    const { default: nodemailer } = await import('nodemailer');
    // smtps:// is TLS from the first byte; smtp:// upgrades with STARTTLS when the server offers it.
    transport =
      transports.get(config.smtpUrl) ?? nodemailer.createTransport(config.smtpUrl, { from: config.from });
    transports.set(config.smtpUrl, transport);
  }
  return transport;
}

/** Mails waiting in this process: past this many, new ones are dropped (and logged), not queued without end. */
const MAX_QUEUED = 100;
let queued = 0;
let tail: Promise<void> = Promise.resolve();

/**
 * Runs `job` (which may send mail) after the current request has answered, one job at a time in this
 * process and in order. Whatever it does or however it fails takes no time from the response and
 * shows nowhere in it: a failure is a log line. That is what keeps `auth.requestPasswordReset` from
 * telling, by its answer or its timing, whether an account exists or the mail server is up.
 */
export function afterResponse(svc: Pick<ServiceContext, 'logger'>, name: string, job: () => Promise<void>) {
  if (queued >= MAX_QUEUED) {
    svc.logger.warn({ job: name, queued }, 'mail_queue_full');
    return;
  }
  queued++;
  tail = tail
    .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
    .then(job)
    .catch((error: unknown) => {
      svc.logger.error({ job: name, err: error }, 'mail_job_failed');
    })
    .finally(() => {
      queued--;
    });
}

/** Sends one mail through the configured SMTP server. */
export async function sendMail(config: MailConfig, mail: Mail): Promise<void> {
  await (await transportFor(config)).sendMail({ from: config.from, ...mail });
}

/**
 * Waits, at most `timeoutMs`, until every job queued in this process has run (jobs queued meanwhile
 * included); says whether the queue emptied. A stopping process calls it before it closes the
 * database the jobs read, so a reset asked for just before a deploy is still mailed.
 */
export async function settleAfterResponseJobs(timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    while (queued > 0) {
      if (!(await Promise.race([tail.then(() => true), timedOut]))) return false;
    }
    return true;
  } finally {
    clearTimeout(timer);
  }
}

/** Jobs queued in this process and not yet finished. */
export const queuedAfterResponseJobs = () => queued;
