/**
 * `@distillgate/db`: the schema and a driver-agnostic data layer (D1 or better-sqlite3 through
 * drizzle). The Node driver is `@distillgate/db/node`, kept out of this entry so a Worker bundle
 * never pulls better-sqlite3.
 */
export type { Database } from './database.ts';
export * from './schema.ts';
export * from './store/budgets.ts';
export * from './store/captures.ts';
export { randomBase64Url, sha256Hex } from './store/crypto.ts';
export * from './store/idempotency.ts';
export * from './store/keys.ts';
export * from './store/prices.ts';
export * from './store/routing.ts';
export * from './store/usage-queries.ts';
export * from './store/usage-queue-sink.ts';
export * from './store/usage-sink.ts';
export * from './store/usage-stats.ts';
