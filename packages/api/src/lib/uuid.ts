const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 8-4-4-4-12 hex form in either case: what PostgreSQL's `uuid` type reads and writes. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
