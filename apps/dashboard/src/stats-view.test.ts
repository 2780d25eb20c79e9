import { describe, expect, it } from 'vitest';
import type { UsageStats } from './api.ts';
import { BUCKET_MS, routeShares, savedMicroUsd, seriesByRoute, seriesTotal, sum, timeBuckets } from './stats-view.ts';
import { formatUsd, parseLimit, parseUsd } from './units.ts';

const H = BUCKET_MS.hour;
const T = Date.UTC(2026, 6, 1, 10);
const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, internal_cost_micro_usd: 0, teacher_only_cost_micro_usd: 0 };
/** `cascade` of the `requests` were routed by a cascade (the rest named a model directly). */
const point = (at: number, route: 'edge' | 'pool' | 'escalated' | null, requests: number, cost: number, cascade = 0) => ({
  bucket_start_ms: at,
  route,
  requests,
  cost_micro_usd: cost,
  ...zero,
  cascade_requests: cascade,
});

function stats(series: UsageStats['series'], sinceMs: number | null): UsageStats {
  const totals = {
    requests: sum(series.map((p) => p.requests)),
    cost_micro_usd: sum(series.map((p) => p.cost_micro_usd)),
    ...zero,
    cascade_requests: sum(series.map((p) => p.cascade_requests)),
  };
  return {
    object: 'usage_stats',
    bucket: 'hour',
    since_ms: sinceMs,
    until_ms: null,
    teacher: null,
    totals,
    series,
    by_key: [],
    by_model: [],
    by_route: [],
    latency: [],
  };
}

describe('stats-view', () => {
  const s = stats(
    // at T: 3 edge answers (2 of them kept cascade drafts, 1 asked the student directly) and 1 escalation
    [point(T, 'edge', 3, 30, 2), point(T, 'escalated', 1, 50, 1), point(T + 2 * H, 'pool', 2, 40), point(T + 2 * H, null, 1, 0)],
    T - H,
  );

  it('draws every bucket from the range start to now, zeros included, and the series keep every row', () => {
    const buckets = timeBuckets(s, T + 3 * H + 5);
    expect(buckets).toEqual([T - H, T, T + H, T + 2 * H, T + 3 * H]);
    const cost = seriesByRoute(s, buckets, 'cost_micro_usd');
    expect(cost.edge).toEqual([0, 30, 0, 0, 0]);
    expect(cost.none).toEqual([0, 0, 0, 0, 0]);
    expect(sum(seriesTotal(s, buckets, 'requests'))).toBe(s.totals.requests);
    expect(sum(seriesTotal(s, buckets, 'cost_micro_usd'))).toBe(s.totals.cost_micro_usd);
  });

  it('edge share is edge / served; escalation rate is escalated / cascade-routed requests; null without traffic', () => {
    const buckets = timeBuckets(s, T + 2 * H);
    const { edgeShare, escalationRate } = routeShares(s, buckets);
    expect(edgeShare).toEqual([null, 3 / 4, null, 0]);
    expect(escalationRate).toEqual([null, 1 / 3, null, null]);
  });

  it('savings, money and limits', () => {
    expect(savedMicroUsd({ ...s.totals, teacher_only_cost_micro_usd: 500, cost_micro_usd: 120 })).toBe(380);
    expect(savedMicroUsd({ ...s.totals, teacher_only_cost_micro_usd: 500, cost_micro_usd: 120, internal_cost_micro_usd: 30 })).toBe(350);
    expect(formatUsd(1_234_560_000)).toBe('$1,234.56');
    expect(formatUsd(123)).toBe('$0.000123');
    expect(parseUsd('$2.5')).toBe(2_500_000);
    expect(parseUsd('')).toBeNull();
    expect(() => parseUsd('-1')).toThrow(RangeError);
    expect(parseLimit('60', 'rpm')).toBe(60);
    expect(() => parseLimit('0', 'rpm')).toThrow(RangeError);
  });
});
