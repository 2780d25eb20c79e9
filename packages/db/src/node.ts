/**
 * The embedded database on Node (DESIGN.md §2): one better-sqlite3 file, created on first open
 * and migrated with drizzle's migrator from ../migrations (the same SQL `wrangler d1 migrations
 * apply` runs on D1). Applying is idempotent: drizzle records applied migrations in
 * `__drizzle_migrations` and skips them on the next start.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

/** The embedded default, relative to the working directory (`.data/` is git-ignored). */
export const DEFAULT_DATABASE_FILE = '.data/distillgate.sqlite';

/** This package's migrations folder (SQL + drizzle's meta/_journal.json). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * How long a statement waits for another connection's write lock before SQLITE_BUSY, by default.
 * better-sqlite3 is synchronous: the wait blocks the calling thread, so a server passes a short one
 * (`busyTimeoutMs`) and retries asynchronously instead. @unit ms
 */
export const BUSY_TIMEOUT_MS = 5000;

export interface NodeDatabase {
  /** Pass to every store function. */
  db: BetterSQLite3Database;
  /** The raw connection (pragmas, backups). */
  sqlite: BetterSqlite3.Database;
  /** Absolute path of the file. */
  file: string;
  close(): void;
}

/**
 * Opens (creating the file and its parent folders) and migrates the database. Pragmas: WAL (readers
 * never block the writer), `synchronous = NORMAL` (durable across process crashes under WAL),
 * `busy_timeout`, `foreign_keys = ON` (D1 enforces them too).
 * @param options.file path; @default DEFAULT_DATABASE_FILE; `:memory:` for a private in-memory database
 * @param options.migrate apply pending migrations; @default true
 * @param options.busyTimeoutMs SQLite's busy timeout; @default BUSY_TIMEOUT_MS
 * @throws better-sqlite3's SqliteError when the file cannot be opened or a migration fails
 */
export function openNodeDatabase(options: { file?: string; migrate?: boolean; busyTimeoutMs?: number } = {}): NodeDatabase {
  const requested = options.file ?? DEFAULT_DATABASE_FILE;
  const file = requested === ':memory:' ? requested : resolve(requested);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    sqlite.pragma('foreign_keys = ON');
    const db = drizzle(sqlite);
    if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    return { db, sqlite, file, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}
