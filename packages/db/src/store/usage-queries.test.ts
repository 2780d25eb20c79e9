import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempDatabase, type TempDatabase } from '../temp-database.ts';
import { createKey } from './keys.ts';
import { aggregateUsage, listUsage } from './usage-queries.ts';
import { insertUsage } from './usage-sink.ts';
import { sampleUsage } from './usage-sink-conformance.ts';

const DAY1 = Date.UTC(2026, 6, 1, 10);
const DAY2 = Date.UTC(2026, 6, 2, 23, 59);
let t: TempDatabase;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  t = openTempDatabase();
  keyA = (await createKey(t.db, { name: 'a' })).key.id;
  keyB = (await createKey(t.db, { name: 'b' })).key.id;
  const rows = [
    sampleUsage('r1', {
      keyId: keyA,
      createdAtMs: DAY1,
      route: 'edge',
      servedModel: 'distillgate-student',
      upstreamMember: null,
      costMicroUsd: 0,
      promptTokens: 5,
      completionTokens: 6,
    }),
    sampleUsage('r2', { keyId: keyA, createdAtMs: DAY1 + 1, route: 'pool', costMicroUsd: 100, promptTokens: 10, completionTokens: 20 }),
    sampleUsage('r3', {
      keyId: keyB,
      createdAtMs: DAY2,
      route: 'escalated',
      costMicroUsd: 300,
      internalCostMicroUsd: 4,
      promptTokens: 1,
      completionTokens: 2,
    }),
    sampleUsage('r4', {
      keyId: keyB,
      createdAtMs: DAY2 + 1,
      route: null,
      servedModel: null,
      status: 'upstream_error',
      costMicroUsd: 0,
      promptTokens: 7,
      completionTokens: 0,
      usageSource: 'estimated',
    }),
  ];
  for (const row of rows) await insertUsage(t.db, row);
});
afterAll(() => t.close());

describe('listUsage', () => {
  it('lists newest first and filters by key, model, route, status and time', async () => {
    expect((await listUsage(t.db)).map((r) => r.requestId)).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect((await listUsage(t.db, { keyId: keyA })).map((r) => r.requestId)).toEqual(['r2', 'r1']);
    expect((await listUsage(t.db, { model: 'distillgate-student' })).map((r) => r.requestId)).toEqual(['r1']);
    expect((await listUsage(t.db, { route: 'escalated' })).map((r) => r.requestId)).toEqual(['r3']);
    expect((await listUsage(t.db, { status: 'upstream_error' })).map((r) => r.requestId)).toEqual(['r4']);
    expect((await listUsage(t.db, { sinceMs: DAY1 + 1, untilMs: DAY2 + 1 })).map((r) => r.requestId)).toEqual(['r3', 'r2']);
  });

  it('pages with limit and beforeId', async () => {
    const first = await listUsage(t.db, { limit: 3 });
    expect(first.map((r) => r.requestId)).toEqual(['r4', 'r3', 'r2']);
    expect((await listUsage(t.db, { limit: 3, beforeId: first.at(-1)!.id })).map((r) => r.requestId)).toEqual(['r1']);
    await expect(listUsage(t.db, { limit: 0 })).rejects.toThrow(RangeError);
  });
});

describe('aggregateUsage', () => {
  it('sums by UTC day', async () => {
    expect(await aggregateUsage(t.db, 'day')).toEqual([
      { group: '2026-07-01', requests: 2, promptTokens: 15, completionTokens: 26, costMicroUsd: 100, internalCostMicroUsd: 0 },
      { group: '2026-07-02', requests: 2, promptTokens: 8, completionTokens: 2, costMicroUsd: 300, internalCostMicroUsd: 4 },
    ]);
  });

  it('sums by served model and by route, with filters', async () => {
    expect(await aggregateUsage(t.db, 'model')).toEqual([
      { group: null, requests: 1, promptTokens: 7, completionTokens: 0, costMicroUsd: 0, internalCostMicroUsd: 0 },
      { group: 'distillgate-student', requests: 1, promptTokens: 5, completionTokens: 6, costMicroUsd: 0, internalCostMicroUsd: 0 },
      { group: 'distillgate-teacher', requests: 2, promptTokens: 11, completionTokens: 22, costMicroUsd: 400, internalCostMicroUsd: 4 },
    ]);
    expect((await aggregateUsage(t.db, 'route', { keyId: keyB })).map((g) => [g.group, g.requests])).toEqual([
      [null, 1],
      ['escalated', 1],
    ]);
    expect(await aggregateUsage(t.db, 'route', { keyId: 'key_none' })).toEqual([]);
  });
});
