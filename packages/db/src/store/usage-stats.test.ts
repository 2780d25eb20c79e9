import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route, UsageStatus } from '../schema.ts';
import { openTempDatabase, type TempDatabase } from '../temp-database.ts';
import { createKey } from './keys.ts';
import { insertUsage, type UsageRecord } from './usage-sink.ts';
import { sampleUsage } from './usage-sink-conformance.ts';
import { type StatsSums, type TokenPrice, usageStats } from './usage-stats.ts';

const TEACHER: TokenPrice = { inputMicroUsdPerMTok: 500_000, outputMicroUsdPerMTok: 1_500_000 };
const T0 = Date.UTC(2026, 6, 1, 10, 30);
const HOUR = 3_600_000;

/** Brute force: the value at rank ⌈p/100 × n⌉ of the sorted sample (nearest-rank definition). */
function bruteNearestRank(values: number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

function bruteSums(rows: UsageRecord[], teacher: TokenPrice | null): StatsSums {
  const s = {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    costMicroUsd: 0,
    internalCostMicroUsd: 0,
    teacherOnlyCostMicroUsd: 0,
    cascadeRequests: 0,
  };
  for (const r of rows) {
    if (r.routingPolicy === 'cascade') s.cascadeRequests++;
    s.requests++;
    s.promptTokens += r.promptTokens;
    s.completionTokens += r.completionTokens;
    s.costMicroUsd += r.costMicroUsd;
    s.internalCostMicroUsd += r.internalCostMicroUsd ?? 0;
    if (teacher) {
      s.teacherOnlyCostMicroUsd += Math.ceil(
        (r.promptTokens * teacher.inputMicroUsdPerMTok + r.completionTokens * teacher.outputMicroUsdPerMTok) / 1_000_000,
      );
    }
  }
  return s;
}

function sumOf(groups: StatsSums[]): StatsSums {
  const s = bruteSums([], null);
  for (const g of groups) {
    s.requests += g.requests;
    s.promptTokens += g.promptTokens;
    s.completionTokens += g.completionTokens;
    s.costMicroUsd += g.costMicroUsd;
    s.internalCostMicroUsd += g.internalCostMicroUsd;
    s.teacherOnlyCostMicroUsd += g.teacherOnlyCostMicroUsd;
    s.cascadeRequests += g.cascadeRequests;
  }
  return s;
}

describe('usageStats', () => {
  let t: TempDatabase;
  let keyA: string;
  let keyB: string;
  const rows: UsageRecord[] = [];

  beforeAll(async () => {
    t = openTempDatabase();
    keyA = (await createKey(t.db, { name: 'a' })).key.id;
    keyB = (await createKey(t.db, { name: 'b' })).key.id;
    rows.push(
      sampleUsage('s1', {
        keyId: keyA,
        createdAtMs: T0,
        route: 'edge',
        servedModel: 'student',
        costMicroUsd: 3,
        latencyMs: 40,
        ttftMs: 5,
        routingPolicy: 'cascade',
      }),
      sampleUsage('s2', { keyId: keyA, createdAtMs: T0 + 10, route: 'pool', costMicroUsd: 90, latencyMs: 300, ttftMs: 60 }),
      sampleUsage('s3', {
        keyId: keyB,
        createdAtMs: T0 + HOUR,
        route: 'escalated',
        routingPolicy: 'cascade',
        costMicroUsd: 95,
        internalCostMicroUsd: 2,
        latencyMs: 500,
      }),
      sampleUsage('s4', {
        keyId: keyB,
        createdAtMs: T0 + HOUR + 1,
        route: null,
        servedModel: null,
        status: 'upstream_error',
        costMicroUsd: 0,
      }),
      sampleUsage('s5', { keyId: keyA, createdAtMs: T0 + 30 * HOUR, route: 'edge', servedModel: 'student', costMicroUsd: 1, ttftMs: null }),
    );
    for (const r of rows) await insertUsage(t.db, r);
  });
  afterAll(() => t.close());

  it('every grouping sums to the rows, and the series is bucketed by UTC hour × route', async () => {
    const stats = await usageStats(t.db, 'hour', {}, TEACHER);
    const expected = bruteSums(rows, TEACHER);
    expect(expected.teacherOnlyCostMicroUsd).toBeGreaterThan(0);
    for (const grouping of [stats.series, stats.byKey, stats.byModel, stats.byRoute]) expect(sumOf(grouping)).toEqual(expected);
    const starts = stats.series.map((p) => p.bucketStartMs);
    expect(new Set(starts)).toEqual(new Set([Date.UTC(2026, 6, 1, 10), Date.UTC(2026, 6, 1, 11), Date.UTC(2026, 6, 2, 16)]));
    const firstHour = stats.series.filter((p) => p.bucketStartMs === Date.UTC(2026, 6, 1, 10)).map((p) => p.route);
    expect(firstHour).toEqual(['edge', 'pool']);
    expect(stats.byRoute.find((g) => g.group === 'escalated')?.internalCostMicroUsd).toBe(2);
  });

  it('day buckets, filters and no teacher price', async () => {
    const stats = await usageStats(t.db, 'day', { keyId: keyA, sinceMs: T0 + 1 }, null);
    const kept = rows.filter((r) => r.keyId === keyA && (r.createdAtMs ?? 0) >= T0 + 1);
    expect(sumOf(stats.series)).toEqual(bruteSums(kept, null));
    expect(stats.series.map((p) => p.bucketStartMs)).toEqual([Date.UTC(2026, 6, 1), Date.UTC(2026, 6, 2)]);
    const none = await usageStats(t.db, 'day', { untilMs: T0 }, TEACHER);
    expect(none).toEqual({ series: [], byKey: [], byModel: [], byRoute: [], latency: [] });
  });

  it('latency and TTFT percentiles per route are the nearest-rank ones of the ok rows (brute force, random rows)', async () => {
    const routes: Array<Route | null> = ['edge', 'pool', 'escalated', null];
    const statuses: UsageStatus[] = ['ok', 'ok', 'ok', 'upstream_error', 'client_aborted'];
    const row = fc.record({
      route: fc.constantFrom(...routes),
      status: fc.constantFrom(...statuses),
      latencyMs: fc.integer({ min: 0, max: 5000 }),
      ttftMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60 }), async (generated) => {
        const db = openTempDatabase();
        try {
          run++;
          const records = generated.map((g, i) => sampleUsage(`p${run}-${i}`, { ...g, createdAtMs: T0 + i }));
          for (const r of records) await insertUsage(db.db, r);
          const stats = await usageStats(db.db, 'hour', {}, null);
          const ok = records.filter((r) => r.status === 'ok');
          const expectedRoutes = [...new Set(ok.map((r) => r.route))];
          expect(stats.latency.map((l) => l.route).sort()).toEqual(expectedRoutes.sort());
          for (const l of stats.latency) {
            const sample = ok.filter((r) => r.route === l.route);
            const ttft = sample.map((r) => r.ttftMs).filter((v): v is number => v !== null);
            expect(l).toEqual({
              route: l.route,
              requests: sample.length,
              latencyP50Ms: bruteNearestRank(
                sample.map((r) => r.latencyMs),
                50,
              ),
              latencyP99Ms: bruteNearestRank(
                sample.map((r) => r.latencyMs),
                99,
              ),
              ttftRequests: ttft.length,
              ttftP50Ms: bruteNearestRank(ttft, 50),
              ttftP99Ms: bruteNearestRank(ttft, 99),
            });
          }
        } finally {
          db.close();
        }
      }),
      { seed: 20260701, numRuns: 40 },
    );
  });

  it('p99 of a large sample is not its maximum (ranks past 100 rows)', async () => {
    const db = openTempDatabase();
    try {
      // 250 shuffled latencies 1…250: nearest rank ⌈0.99 × 250⌉ = 248, ⌈0.5 × 250⌉ = 125
      const latencies = Array.from({ length: 250 }, (_, i) => ((i * 97) % 250) + 1);
      for (const [i, latencyMs] of latencies.entries()) {
        await insertUsage(db.db, sampleUsage(`big-${i}`, { route: 'pool', latencyMs, ttftMs: latencyMs, createdAtMs: T0 + i }));
      }
      const [pool] = (await usageStats(db.db, 'day', {}, null)).latency;
      expect(pool).toMatchObject({
        requests: 250,
        latencyP50Ms: bruteNearestRank(latencies, 50),
        latencyP99Ms: bruteNearestRank(latencies, 99),
      });
      expect(pool?.latencyP99Ms).toBe(248);
      expect(pool?.ttftP99Ms).toBe(248);
    } finally {
      db.close();
    }
  });
});
