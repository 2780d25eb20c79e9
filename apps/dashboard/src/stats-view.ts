/**
 * From the stats answer to what the charts draw: contiguous time buckets, one series per route,
 * the edge share and escalation rate over time, savings, and sums. Pure functions (tested in
 * stats-view.test.ts). Rows no target served (`route: null`) are their own series, "no route", so
 * every chart's sum is the sum over all the rows.
 */
import type { StatsGroup, UsageStats } from './api.ts';

/** The series keys: the three routes, then rows without one. */
export const ROUTE_KEYS = ['edge', 'pool', 'escalated', 'none'] as const;
export type RouteKey = (typeof ROUTE_KEYS)[number];
export const ROUTE_LABELS: Record<RouteKey, string> = { edge: 'Edge', pool: 'Pool', escalated: 'Escalated', none: 'No route (failed)' };

/** Numeric fields of a sums object. */
export type SumField =
  | 'requests'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'total_tokens'
  | 'cost_micro_usd'
  | 'internal_cost_micro_usd'
  | 'teacher_only_cost_micro_usd'
  | 'cascade_requests';

export const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
/** More buckets than this are not drawn contiguously (then only buckets with rows are). */
const MAX_BUCKETS = 2000;

/**
 * Bucket starts to draw: every bucket from the range's start (or the first row) to now (or the
 * last row), so quiet hours show as zeros.
 * @param nowMs ms since the Unix epoch
 */
export function timeBuckets(stats: UsageStats, nowMs: number): number[] {
  const width = BUCKET_MS[stats.bucket];
  const present = [...new Set(stats.series.map((p) => p.bucket_start_ms))].sort((a, b) => a - b);
  const first = stats.since_ms !== null ? Math.floor(stats.since_ms / width) * width : present[0];
  const lastRow = present.at(-1);
  const end = Math.max(Math.floor((stats.until_ms ?? nowMs) / width) * width, lastRow ?? Number.NEGATIVE_INFINITY);
  if (first === undefined || !Number.isFinite(end)) return present;
  const start = Math.min(first, present[0] ?? first);
  if ((end - start) / width + 1 > MAX_BUCKETS) return present;
  const out: number[] = [];
  for (let t = start; t <= end; t += width) out.push(t);
  return out;
}

/** One series per route key over `buckets` (zeros where a bucket has no rows). */
export function seriesByRoute(stats: UsageStats, buckets: number[], field: SumField): Record<RouteKey, number[]> {
  const index = new Map(buckets.map((t, i) => [t, i]));
  const out = Object.fromEntries(ROUTE_KEYS.map((k) => [k, buckets.map(() => 0)])) as Record<RouteKey, number[]>;
  for (const p of stats.series) {
    const i = index.get(p.bucket_start_ms);
    if (i === undefined) continue;
    const series = out[p.route ?? 'none'];
    series[i] = (series[i] ?? 0) + p[field];
  }
  return out;
}

/** Sums a field over every route per bucket. */
export function seriesTotal(stats: UsageStats, buckets: number[], field: SumField): number[] {
  const byRoute = seriesByRoute(stats, buckets, field);
  return buckets.map((_, i) => ROUTE_KEYS.reduce((sum, k) => sum + (byRoute[k][i] ?? 0), 0));
}

/**
 * Per bucket: the edge share (edge / requests any route served) and the escalation rate
 * (escalated / (edge + escalated): of the requests the student drafted, the share it handed on).
 * null where the denominator is 0. Fractions 0…1.
 */
export function routeShares(
  stats: UsageStats,
  buckets: number[],
): { edgeShare: Array<number | null>; escalationRate: Array<number | null> } {
  const r = seriesByRoute(stats, buckets, 'requests');
  const edgeShare = buckets.map((_, i) => {
    const served = (r.edge[i] ?? 0) + (r.pool[i] ?? 0) + (r.escalated[i] ?? 0);
    return served > 0 ? (r.edge[i] ?? 0) / served : null;
  });
  // escalated ÷ requests a cascade routed (a request naming the student directly is no draft)
  const cascade = seriesByRoute(stats, buckets, 'cascade_requests');
  const escalationRate = buckets.map((_, i) => {
    const drafted = ROUTE_KEYS.reduce((n, k) => n + (cascade[k][i] ?? 0), 0);
    return drafted > 0 ? (cascade.escalated[i] ?? 0) / drafted : null;
  });
  return { edgeShare, escalationRate };
}

/** The sum of a list of numbers (a chart's data). */
export function sum(values: ReadonlyArray<number | null>): number {
  let total = 0;
  for (const v of values) total += v ?? 0;
  return total;
}

/** Sums a field over groups (by key, model or route). */
export function sumGroups(groups: StatsGroup[], field: SumField): number {
  return sum(groups.map((g) => g[field]));
}

/**
 * Money saved against teacher-only, net of internal cost (discarded drafts, shadow runs): teacher-only
 * − customer cost − internal cost. @unit micro-USD (negative when the served traffic cost more)
 */
export function savedMicroUsd(totals: UsageStats['totals']): number {
  return totals.teacher_only_cost_micro_usd - totals.cost_micro_usd - totals.internal_cost_micro_usd;
}

/** A bucket's label in UTC: `MM-DD HH:00` for hours, `YYYY-MM-DD` for days. */
export function bucketLabel(startMs: number, bucket: 'hour' | 'day'): string {
  const iso = new Date(startMs).toISOString();
  return bucket === 'hour' ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}:00` : iso.slice(0, 10);
}
