/** The PostgreSQL error behind a driver or Drizzle error (Drizzle wraps it as `cause`). */
export type PgErrorInfo = { code: string; constraint?: string; detail?: string };

export function pgErrorInfo(error: unknown): PgErrorInfo | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; constraint?: unknown; detail?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        constraint: typeof candidate.constraint === 'string' ? candidate.constraint : undefined,
        detail: typeof candidate.detail === 'string' ? candidate.detail : undefined,
      };
    }
    e = candidate.cause;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown, constraint?: string) => {
  const info = pgErrorInfo(error);
  return info?.code === '23505' && (constraint === undefined || info.constraint === constraint);
};

/**
 * SQLSTATE class 22, "data exception": a value the database cannot read, convert or store (bad text for
 * a type, a date or number out of range, U+0000 or a lone surrogate in text, a string too long).
 */
export const isDataException = (error: unknown) => pgErrorInfo(error)?.code.startsWith('22') === true;
