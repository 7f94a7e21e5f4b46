import type { Database, DatabaseHandle } from '@skillbytes/db';
import type { Role } from '@skillbytes/shared';
import type { Logger } from 'pino';
import type { ApiConfig } from './config.ts';
import type { EventBus } from './events/bus.ts';
import type { StreamSlots } from './events/stream-slots.ts';
import type { Judge } from './judge/types.ts';

export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };

/** Who is calling, resolved from a session (access token) or an API key. */
export type Caller =
  | {
      kind: 'session';
      userId: string;
      role: Role;
      sessionId: string;
      /** When the access token this request presented expires (`auth.me`); unset for callers tests pre-set. */
      accessExpiresAt?: Date;
    }
  | { kind: 'apiKey'; userId: string; role: Role; keyId: string; scopes: string[] };

/** Credentials the HTTP layer found on the request; resolved into a `Caller` only when a procedure needs one. */
export type Credentials = {
  bearer?: string;
  accessCookie?: string;
  refreshCookie?: string;
  /** The device token cookie (auth/throttle.ts): picks the login throttle, authenticates nothing. */
  deviceCookie?: string;
};

export type RequestInfo = {
  id: string;
  ip: string | null;
  userAgent: string | null;
  /** The request came with cookies (so CSRF rules apply to it). */
  viaCookie: boolean;
};

/** Lets procedures set response headers and cookies; the HTTP layer writes them (see apps/server). */
export interface ResponseControl {
  setHeader(name: string, value: string): void;
  setCookie(serialized: string): void;
}

export type ProcedureObserver = (path: string, type: string, durationMs: number, ok: boolean) => void;

/**
 * What every domain function takes first, its input second: the services, this request's instant
 * (one clock reading, so a call sees one "now"), who is calling and from where. Procedures build it
 * once (`ctx.service`); tests build it with `serviceContext()`. `Service` has a signed-in caller.
 * Inside a transaction, pass `{ ...svc, db: tx }`; helpers that also run outside a request (start-up,
 * long-lived subscriptions) take a `Pick<ServiceContext, ...>` of what they use.
 */
export type ServiceContext<C extends Caller | null = Caller | null> = {
  db: Database;
  config: ApiConfig;
  logger: Logger;
  events: EventBus;
  judge: Judge;
  streams: StreamSlots;
  clock: Clock;
  now: Date;
  caller: C;
  ip: string | null;
  userAgent: string | null;
  /** The device token the request carried as a cookie, if any (auth/throttle.ts). */
  deviceToken: string | null;
};
export type Service = ServiceContext<Caller>;

/** Long-lived services: built once per process (or per test file) and shared by every request. */
export type Services = {
  db: Database;
  database: DatabaseHandle;
  config: ApiConfig;
  clock: Clock;
  logger: Logger;
  judge: Judge;
  events: EventBus;
  /** Open-subscription slots of this process. */
  streams: StreamSlots;
  onProcedure?: ProcedureObserver;
};

export type ContextInner = Services & {
  /** Pre-resolved caller (tests), or null to resolve from `credentials` on demand. */
  caller: Caller | null;
  credentials: Credentials;
  req: RequestInfo;
  res: ResponseControl;
  now(): Date;
};

export type CreateContextInnerOptions = {
  services: Services;
  caller?: Caller | null;
  credentials?: Credentials;
  req?: Partial<RequestInfo>;
  res?: ResponseControl;
};

const discardResponse: ResponseControl = { setHeader() {}, setCookie() {} };

/** Everything a procedure needs; what tests pass to `appRouter.createCaller`. */
export function createContextInner(opts: CreateContextInnerOptions): ContextInner {
  const { services } = opts;
  const req: RequestInfo = {
    id: opts.req?.id ?? crypto.randomUUID(),
    ip: opts.req?.ip ?? null,
    userAgent: opts.req?.userAgent ?? null,
    viaCookie: opts.req?.viaCookie ?? false,
  };
  return {
    ...services,
    logger: services.logger.child({ reqId: req.id }),
    caller: opts.caller ?? null,
    credentials: opts.credentials ?? {},
    req,
    res: opts.res ?? discardResponse,
    now: () => services.clock.now(),
  };
}

export type Context = ContextInner;

/** The service context of a request, for `caller` (none until the auth middleware resolves one). */
export function serviceContext<C extends Caller | null>(ctx: ContextInner, caller: C): ServiceContext<C> {
  return {
    db: ctx.db,
    config: ctx.config,
    logger: ctx.logger,
    events: ctx.events,
    judge: ctx.judge,
    streams: ctx.streams,
    clock: ctx.clock,
    now: ctx.now(),
    caller,
    ip: ctx.req.ip,
    userAgent: ctx.req.userAgent,
    deviceToken: ctx.credentials.deviceCookie ?? null,
  };
}
