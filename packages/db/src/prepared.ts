import type { SQL } from 'drizzle-orm';
import type { Executor } from './client.ts';

/**
 * Statements built once per database handle or transaction instead of on every call: Drizzle assembles
 * the SQL text once, and on PostgreSQL a named statement is parsed once per connection (PGlite ignores
 * the name). Values are `sql.placeholder(name)`, filled by `execute({ name: value })`.
 *
 * The set is cached per executor object, so a statement prepared on the pool never runs inside a
 * transaction (nor one prepared on a transaction outside it), and a closed test database takes its
 * statements with it.
 */
export function statementsFor<T>(build: (db: Executor) => T): (db: Executor) => T {
  const built = new WeakMap<Executor, T>();
  return (db) => {
    let statements = built.get(db);
    if (!statements) {
      statements = build(db);
      built.set(db, statements);
    }
    return statements;
  };
}

/**
 * A statement name stands for one text on a PostgreSQL connection (`pg` refuses the same name with
 * another text, and only there: PGlite ignores names). Claiming names here fails on every driver.
 */
const claimedNames = new Map<string, string>();

function claimName(name: string, text: string) {
  const claimed = claimedNames.get(name);
  if (claimed !== undefined && claimed !== text) {
    throw new Error(`prepared statement name "${name}" is already used for another statement`);
  }
  claimedNames.set(name, text);
}

type Preparable<P> = { toSQL(): { sql: string }; prepare(name: string): P };

/** A query builder's `.prepare(name)`, with the name claimed for this text. */
export function prepareNamed<P>(name: string, query: Preparable<P>): P {
  claimName(name, query.toSQL().sql);
  return query.prepare(name);
}

export type PreparedSql<Row> = {
  /** Runs the statement; `{ rows }` as `db.execute` returns them (no column mapping: raw driver values). */
  execute(values?: Record<string, unknown>): Promise<{ rows: Row[] }>;
};

/** A raw `sql` statement prepared like a builder's `.prepare(name)`: the same text `db.execute` sends. */
export function prepareSql<Row>(db: Executor, name: string, query: SQL): PreparedSql<Row> {
  // `execute` only builds the statement (with this database's casing); nothing runs until it is awaited.
  const built = db.execute(query).getQuery();
  claimName(name, built.sql);
  const prepared = db._.session.prepareQuery<{ execute: { rows: Row[] }; all: unknown; values: unknown }>(
    built,
    undefined,
    name,
    false,
  );
  return { execute: (values) => prepared.execute(values) };
}
