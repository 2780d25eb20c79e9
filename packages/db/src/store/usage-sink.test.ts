import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { usageEvents } from '../schema.ts';
import { openTempDatabase } from '../temp-database.ts';
import { createKey } from './keys.ts';
import { listAttempts } from './usage-queries.ts';
import { createDbUsageSink, insertUsage } from './usage-sink.ts';
import { describeUsageSink, sampleUsage } from './usage-sink-conformance.ts';

describeUsageSink('direct database sink (better-sqlite3)', async () => {
  const t = openTempDatabase();
  return {
    sink: createDbUsageSink(t.db),
    async read(requestId) {
      const rows = await t.db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId));
      const attempts = (await listAttempts(t.db, requestId)).map(({ requestId: _r, ...a }) => a);
      return { rows, attempts };
    },
    async close() {
      t.close();
    },
  };
});

describe('insertUsage', () => {
  it('says whether this call inserted the row; a second connection cannot add another', async () => {
    const t = openTempDatabase();
    try {
      const { key } = await createKey(t.db, { name: 'k' });
      const row = sampleUsage('req-1', { keyId: key.id });
      expect(await insertUsage(t.db, row)).toBe(true);
      expect(await insertUsage(t.connect().db, row)).toBe(false);
      expect(await t.db.select().from(usageEvents)).toHaveLength(1);
    } finally {
      t.close();
    }
  });

  it('refuses a key id that does not exist (foreign key)', async () => {
    const t = openTempDatabase();
    try {
      await expect(insertUsage(t.db, sampleUsage('req-2', { keyId: 'key_missing' }))).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      t.close();
    }
  });
});
