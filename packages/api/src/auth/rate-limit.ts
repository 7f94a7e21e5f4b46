import { schema } from '@skillbytes/db';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { RateLimitPolicy } from '../config.ts';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../errors.ts';

const rl = schema.rateLimits;

/** A counter (`bucket`) and the policy it is held to. */
export type Limit = { bucket: string; policy: RateLimitPolicy };

export type Admission = { allowed: true; hits: number } | { allowed: false; retryAfterSec: number };

/**
 * Takes one attempt from `bucket`, atomically, in one statement that every server process shares:
 * the upsert counts the attempt and sets the next block, and its `WHERE` refuses to touch a bucket that
 * is blocked, so a refused attempt returns no row. N+k concurrent attempts against a limit of N admit
 * exactly N (the row lock orders them). Attempts are counted before the work they guard (argon2);
 * callers `reset` or `refund` on success.
 */
export async function consume(
  svc: Pick<ServiceContext, 'db' | 'now'>,
  { bucket, policy }: Limit,
): Promise<Admission> {
  const { db, now } = svc;
  const nowTs = sql`${now.toISOString()}::timestamptz`;
  const windowExpired = sql`${rl.windowStart} <= ${nowTs} - make_interval(secs => ${policy.windowSec})`;
  const hits = sql`(case when ${windowExpired} then 1 else ${rl.hits} + 1 end)`;
  const windowStart = sql`(case when ${windowExpired} then ${nowTs} else ${rl.windowStart} end)`;
  const [row] = await db
    .insert(rl)
    .values({ bucket, hits: 1, windowStart: now, blockedUntil: blockAfter(sql`1`, nowTs, nowTs, policy) })
    .onConflictDoUpdate({
      target: rl.bucket,
      set: { hits, windowStart, blockedUntil: blockAfter(hits, windowStart, nowTs, policy) },
      setWhere: or(isNull(rl.blockedUntil), sql`${rl.blockedUntil} <= ${nowTs}`),
    })
    .returning({ hits: rl.hits });
  if (row) return { allowed: true, hits: row.hits };
  const [blocked] = await db.select({ until: rl.blockedUntil }).from(rl).where(eq(rl.bucket, bucket));
  const waitMs = (blocked?.until?.getTime() ?? now.getTime()) - now.getTime();
  return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/**
 * When the attempt that brought the count to `hits` blocks the next one: from the limit on, either for
 * `base * 2^(hits - limit)` seconds (capped) or until the window ends.
 */
function blockAfter(
  hits: ReturnType<typeof sql>,
  windowStart: ReturnType<typeof sql>,
  nowTs: ReturnType<typeof sql>,
  policy: RateLimitPolicy,
) {
  const over = sql`${hits} >= ${policy.limit}`;
  if (policy.backoff) {
    const { baseSec, maxSec } = policy.backoff;
    const exponent = sql`least(${hits} - ${policy.limit}, 30)`;
    return sql`(case when ${over} then ${nowTs} + make_interval(secs => least(${baseSec} * power(2, ${exponent}), ${maxSec})) else null end)`;
  }
  return sql`(case when ${over} then ${windowStart} + make_interval(secs => ${policy.windowSec}) else null end)`;
}

/** Like `consume`, but a refusal is a TOO_MANY_REQUESTS error carrying the seconds to wait. */
export async function enforce(
  svc: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
  limit: Limit,
): Promise<void> {
  const admission = await consume(svc, limit);
  if (admission.allowed) return;
  // A log line, not an audit row: refusals are attacker-driven volume, so they must stay cheap.
  svc.logger.warn(
    { bucket: limit.bucket.split(':').slice(0, 2).join(':'), retryAfter: admission.retryAfterSec },
    'excess_rate_limit_exceeded',
  );
  throw new DomainError('RATE_LIMITED', `Too many attempts; try again in ${admission.retryAfterSec} s`, {
    retryAfter: admission.retryAfterSec,
  });
}

/** Forget a bucket (a successful login resets its account's counter). */
export async function reset(svc: Pick<ServiceContext, 'db'>, bucket: string): Promise<void> {
  await svc.db.delete(rl).where(eq(rl.bucket, bucket));
}

/** Give back one attempt that turned out fine (a successful login from a shared address). */
export async function refund(svc: Pick<ServiceContext, 'db'>, { bucket, policy }: Limit): Promise<void> {
  await svc.db
    .update(rl)
    .set({
      hits: sql`greatest(${rl.hits} - 1, 0)`,
      blockedUntil: sql`case when ${rl.hits} - 1 < ${policy.limit} then null else ${rl.blockedUntil} end`,
    })
    .where(eq(rl.bucket, bucket));
}

/** Drops counters that can no longer affect anything (every window is at most a day long). */
export async function pruneRateLimits(svc: Pick<ServiceContext, 'db' | 'now'>): Promise<void> {
  const { db, now } = svc;
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db
    .delete(rl)
    .where(and(lt(rl.windowStart, dayAgo), or(isNull(rl.blockedUntil), lt(rl.blockedUntil, now))));
}
