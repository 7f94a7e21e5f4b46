import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';

/** An access/refresh token pair, as `auth.login`/`auth.signup`/`auth.refresh` answer with `tokenDelivery: 'body'`. */
export type TokenPair = {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires. */
  expiresAt?: Date;
};

/** Where a Bearer-mode client keeps its tokens: memory (`memoryTokens`), or a file a CLI writes. */
export interface TokenStore {
  get(): TokenPair | null;
  set(tokens: TokenPair | null): void;
}

/** Tokens in memory; `onChange` sees every new pair (and null on sign-out), e.g. to save them. */
export function memoryTokens(
  initial: TokenPair | null = null,
  onChange?: (tokens: TokenPair | null) => void,
): TokenStore {
  let current = initial;
  return {
    get: () => current,
    set(tokens) {
      current = tokens;
      onChange?.(tokens);
    },
  };
}

/** Answers that hand out a new token pair in the body, and the ones after which it is dead. */
const ISSUES_TOKENS = new Set([
  'auth.signup',
  'auth.login',
  'auth.mfa.verify',
  'auth.refresh',
  'auth.changePassword',
]);
const ENDS_SESSION = new Set(['auth.logout', 'auth.deleteAccount']);

function tokensIn(data: unknown): TokenPair | null {
  const d = data as { accessToken?: unknown; refreshToken?: unknown; expiresAt?: unknown } | null;
  if (typeof d?.accessToken !== 'string' || typeof d.refreshToken !== 'string') return null;
  return {
    accessToken: d.accessToken,
    refreshToken: d.refreshToken,
    ...(d.expiresAt instanceof Date ? { expiresAt: d.expiresAt } : {}),
  };
}

/** Keeps `store` up to date with what sign-in, refresh and sign-out answers say (Bearer mode). */
export function tokenCaptureLink<TRouter extends AnyTRPCRouter>(store: TokenStore): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) =>
        next(op).subscribe({
          next(envelope) {
            const result = envelope.result as { data?: unknown };
            const issued = ISSUES_TOKENS.has(op.path) ? tokensIn(result.data) : null;
            if (issued) store.set(issued);
            else if (ENDS_SESSION.has(op.path)) store.set(null);
            observer.next(envelope);
          },
          error: (error) => observer.error(error),
          complete: () => observer.complete(),
        }),
      );
}
