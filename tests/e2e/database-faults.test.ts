/**
 * The database locked for a while under traffic (another writer holding SQLite's write lock, as a
 * backup or a long migration would): requests keep being answered, and every usage row lands once
 * the lock goes — written through the busy timeout and the meter's retries — with no row lost and
 * none doubled — and the requests are answered while the lock is still held (better-sqlite3 waits
 * synchronously, so the gateway's busy timeout is short and its retries run on timers: the event
 * loop never waits a lock out). A key without a budget has its spend settled later; a key with a
 * budget, which cannot be checked then, gets 503 `database_busy` with Retry-After instead.
 * Bounded: 13 requests, locks of 3 s and 9 s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '@distillgate/db';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, mockConfig, startGatewayProcess } from '../support/gateway-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { chatBody, type Json, post } from './helpers.ts';

let mock: MockUpstream;
let gateway: GatewayProcess;
let db: NodeDatabase;

beforeAll(async () => {
  mock = await startMockUpstream();
  const file = join(mkdtempSync(join(tmpdir(), 'distillgate-dbfault-')), 'distillgate.sqlite');
  const base = mockConfig([mock.baseUrl]) as Json;
  gateway = await startGatewayProcess({ ...base, metering: { ...base.metering, database: file } });
  db = openNodeDatabase({ file, migrate: false });
});
afterAll(async () => {
  db?.close();
  await gateway?.stop();
  await mock?.close();
});

/** Holds SQLite's write lock (BEGIN IMMEDIATE) for `ms`, then commits. */
async function holdWriteLock(ms: number): Promise<void> {
  db.sqlite.exec('BEGIN IMMEDIATE');
  await new Promise((r) => setTimeout(r, ms));
  db.sqlite.exec('COMMIT');
}

async function rowsFor(ids: string[], timeoutMs: number): Promise<Json[]> {
  const started = Date.now();
  let rows: Json[] = [];
  while (Date.now() - started < timeoutMs) {
    rows = db.sqlite
      .prepare(`SELECT request_id, status FROM usage_events WHERE request_id IN (${ids.map(() => '?').join(',')})`)
      .all(...ids) as Json[];
    if (rows.length === ids.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return rows;
}

describe('usage writes while the database is locked', () => {
  for (const lockMs of [3_000, 9_000]) {
    it(`a ${lockMs / 1000} s write lock: every request answered, every row lands once`, async () => {
      const lock = holdWriteLock(lockMs);
      await new Promise((r) => setTimeout(r, 100)); // the lock is held before the requests arrive
      const sentMs = Date.now();
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) => post(`${gateway.url}/v1/chat/completions`, chatBody({ model: 'mock-model' }, `locked ${i}`))),
      );
      const ids = responses.map((r) => r.headers.get('x-request-id') as string);
      for (const r of responses) expect(r.status, await r.clone().text()).toBe(200);
      // answered while the lock is still held: the gateway never waits the lock out on its event loop
      expect(Date.now() - sentMs).toBeLessThan(Math.min(lockMs - 500, 2_500));
      await lock;
      const rows = await rowsFor(ids, 20_000);
      expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
      expect(rows.every((r) => r.status === 'ok')).toBe(true);
      const total = db.sqlite
        .prepare(`SELECT count(*) n FROM usage_events WHERE request_id IN (${ids.map(() => '?').join(',')})`)
        .get(...ids) as Json;
      expect(total.n).toBe(ids.length);
    }, 40_000);
  }

  it('an Idempotency-Key whose answer arrives while the database is locked is stored once the lock goes: a replay, not 409', async () => {
    mock.enqueue({ kind: 'echo', delayMs: 800 });
    const key = `idem-${Date.now()}`;
    const send = () =>
      post(`${gateway.url}/v1/chat/completions`, chatBody({ model: 'mock-model' }, 'idempotent under a lock'), {
        headers: { 'idempotency-key': key },
      });
    const first = send(); // its claim is written now; its answer comes back under the lock
    await new Promise((r) => setTimeout(r, 300));
    const lock = holdWriteLock(3_000);
    const res = await first;
    expect(res.status).toBe(200);
    const body = await res.text();
    await lock;
    let again: Response | undefined;
    for (let i = 0; i < 40; i++) {
      again = await send();
      if (again.status !== 409) break;
      await new Promise((r) => setTimeout(r, 250)); // the stored answer lands on the writes' retry schedule
    }
    expect(again?.status).toBe(200);
    expect(again?.headers.get('x-distillgate-idempotent-replay')).toBe('true');
    expect(await again?.text()).toBe(body);
  }, 40_000);

  it('a key with a budget gets 503 database_busy with Retry-After while its budget cannot be checked, and spends nothing', async () => {
    const { secret, key } = await createKey(db.db, { name: 'budgeted', budgetMicroUsd: 1_000_000 });
    const lock = holdWriteLock(7_000);
    await new Promise((r) => setTimeout(r, 100));
    const res = await post(`${gateway.url}/v1/chat/completions`, chatBody({ model: 'mock-model' }, 'budgeted'), {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as Json).error).toMatchObject({ type: 'server_error', code: 'database_busy' });
    await lock;
    const spend = db.sqlite
      .prepare('SELECT spent_micro_usd s, reserved_micro_usd r FROM spend_counters WHERE key_id = ?')
      .all(key.id) as Json[];
    expect(spend.every((row) => row.s === 0 && row.r === 0)).toBe(true);
    // and once the lock is gone the same key is served again
    const after = await post(`${gateway.url}/v1/chat/completions`, chatBody({ model: 'mock-model' }, 'budgeted'), {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(after.status).toBe(200);
  }, 40_000);
});
