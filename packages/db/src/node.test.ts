import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openNodeDatabase } from './node.ts';
import { createKey, findActiveKeyBySecret } from './store/keys.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-node-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'folder', 'distillgate.sqlite');
}

const TABLES = ['api_keys', 'idempotency_records', 'model_prices', 'spend_counters', 'usage_attempts', 'usage_events'];

describe('openNodeDatabase', () => {
  it('creates the folder and file, migrates an empty database, and sets the pragmas', () => {
    const file = tempFile();
    const { sqlite, close } = openNodeDatabase({ file });
    try {
      expect(existsSync(file)).toBe(true);
      const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(TABLES));
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      close();
    }
  });

  it('is idempotent on restart: nothing re-applied, data kept', async () => {
    const file = tempFile();
    const first = openNodeDatabase({ file });
    const { secret } = await createKey(first.db, { name: 'kept' });
    const applied = first.sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get();
    first.close();

    const second = openNodeDatabase({ file });
    try {
      expect(second.sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(applied);
      expect(applied).toBe(readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length);
      expect((await findActiveKeyBySecret(second.db, secret))?.name).toBe('kept');
    } finally {
      second.close();
    }
  });
});
