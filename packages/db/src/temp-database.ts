/**
 * TEST-ONLY: a real better-sqlite3 file in a fresh temporary folder, migrated, removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NodeDatabase, openNodeDatabase } from './node.ts';

export interface TempDatabase extends NodeDatabase {
  dir: string;
  /** Another connection to the same file (closed by `close`). */
  connect(): NodeDatabase;
}

export function openTempDatabase(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-db-'));
  const main = openNodeDatabase({ file: join(dir, 'data', 'test.sqlite') });
  const others: NodeDatabase[] = [];
  return {
    ...main,
    dir,
    connect() {
      const other = openNodeDatabase({ file: main.file, migrate: false });
      others.push(other);
      return other;
    },
    close() {
      for (const other of others) other.close();
      main.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
