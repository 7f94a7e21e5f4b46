export {
  createDatabase,
  type Database,
  type DatabaseConfig,
  type DatabaseHandle,
  type Executor,
  type NotificationHandler,
  type PoolStats,
  type Schema,
  type Transaction,
} from './client.ts';
export { challengeContentValues } from './challenge-values.ts';
export { DatabaseLockedError, type LockHolder } from './data-dir-lock.ts';
export { isDataException, isUniqueViolation, pgErrorInfo, type PgErrorInfo } from './errors.ts';
export { prepareNamed, prepareSql, statementsFor } from './prepared.ts';
export * as schema from './schema/index.ts';
export { loadStarterChallenges, seedStarterPool } from './seed.ts';
export {
  type EmbeddedDatabase,
  type EmbeddedOrigin,
  ensureStarterSnapshot,
  openEmbeddedDatabase,
  saveStarterSnapshot,
} from './snapshot.ts';
