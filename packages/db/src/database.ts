/**
 * The database every store function takes: any drizzle SQLite database, synchronous
 * (better-sqlite3 on Node, node.ts) or asynchronous (D1 on Workers: `drizzle(env.DB)` from
 * `drizzle-orm/d1`), built without a relational schema. Store functions only `await` query
 * builders and never open a transaction (D1 has none; each write is one atomic statement).
 */
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';

export type Database = BaseSQLiteDatabase<'sync' | 'async', unknown>;
