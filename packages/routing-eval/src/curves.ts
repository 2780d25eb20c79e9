/**
 * Cost–quality curves of routing policies over edge share.
 *
 * A ranked policy gives every request a score (higher = safer on the edge; null = no evidence,
 * always escalated). At edge share s, the s·n highest-scored requests are served on the edge and
 * the rest by the teacher; a metric's value is the mean over requests of
 *   (on edge ? value_if_edge : value_if_escalated)
 * — for a quality measure m: (on edge ? m : 1), the teacher scoring 1 against itself; for cost: the
 * route's cost. When s·n falls inside a record, that record is split (the fraction f of it on the
 * edge): randomised routing at the boundary, which makes the curve exact at every s and breaks ties
 * without favouring any order. Tied scores keep input order. A policy whose non-null scores cover
 * fewer than s·n requests stops at its largest share (`achievedShare` < s).
 *
 * The random baseline's expectation is linear: value(s) = s·mean(value_if_edge) + (1 − s)·mean(value_if_escalated).
 *
 * Everything takes multiplicity weights (bootstrap.ts), so one pass per resample gives a whole curve:
 * O(n + grid) after one sort per policy.
 */
import { percentileInterval, resamples } from './bootstrap.ts';

export const METRICS = ['q', 'rouge_l', 'agreement', 'cost'] as const;
export type Metric = (typeof METRICS)[number];
export const QUALITY_METRICS = ['q', 'rouge_l', 'agreement'] as const satisfies readonly Metric[];

/** Per request, a metric's value on each route. */
export interface Outcome {
  edge: readonly number[];
  escalated: readonly number[];
}

export interface PolicyInput {
  name: string;
  /** Scores per request for ranking `metric`'s curve (the oracle ranks by each measure itself); null: the random baseline. */
  scores: ((metric: Metric) => readonly (number | null)[]) | null;
  outcomes: Record<Metric, Outcome>;
}

/** Request indices with a score, best first (ties in input order). */
export function rankOrder(scores: readonly (number | null)[]): Int32Array {
  const idx = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] !== null && Number.isFinite(scores[i])) idx.push(i);
  idx.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return Int32Array.from(idx);
}

/**
 * A ranked policy's metric at each share of `shares` (ascending), under weights `w`.
 * @returns values and the share actually on the edge at each point
 */
export function rankedCurve(
  order: Int32Array,
  outcome: Outcome,
  w: ArrayLike<number>,
  shares: readonly number[],
): { values: number[]; achieved: number[] } {
  let W = 0;
  let base = 0;
  for (let i = 0; i < w.length; i++) {
    W += w[i]!;
    base += w[i]! * outcome.escalated[i]!;
  }
  const values: number[] = [];
  const achieved: number[] = [];
  let pos = 0;
  let taken = 0;
  let gain = 0;
  for (const s of shares) {
    const k = s * W;
    while (pos < order.length && taken + w[order[pos]!]! <= k + 1e-9) {
      const i = order[pos++]!;
      taken += w[i]!;
      gain += w[i]! * (outcome.edge[i]! - outcome.escalated[i]!);
    }
    let part = 0;
    let partGain = 0;
    if (pos < order.length && taken < k) {
      const i = order[pos]!;
      part = k - taken;
      partGain = part * (outcome.edge[i]! - outcome.escalated[i]!);
    }
    values.push((base + gain + partGain) / W);
    achieved.push((taken + part) / W);
  }
  return { values, achieved };
}

/** The random baseline's expected metric at each share. */
export function randomCurve(outcome: Outcome, w: ArrayLike<number>, shares: readonly number[]): number[] {
  let W = 0;
  let edge = 0;
  let esc = 0;
  for (let i = 0; i < w.length; i++) {
    W += w[i]!;
    edge += w[i]! * outcome.edge[i]!;
    esc += w[i]! * outcome.escalated[i]!;
  }
  return shares.map((s) => (s * edge + (1 - s) * esc) / W);
}

/** Trapezoid area under y(x) over ascending x. */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}

/** 0, step, 2·step, …, 1. */
export function shareGrid(step = 0.01): number[] {
  const n = Math.round(1 / step);
  return Array.from({ length: n + 1 }, (_, i) => i / n);
}

export interface Estimate {
  value: number;
  lo: number;
  hi: number;
}

export interface PolicyCurves {
  name: string;
  /** Shares of the grid (0…1). */
  grid: number[];
  /** Per metric, per grid share: point estimate and 95 % percentile bootstrap interval. */
  curve: Record<Metric, Estimate[]>;
  /** Share really on the edge at each grid point (ranked policies; = grid for random). */
  achieved: number[];
  /** Area under each quality measure's curve over the grid, with its interval. */
  auc: Record<(typeof QUALITY_METRICS)[number], Estimate>;
}

export interface CurveOptions {
  /** @default shareGrid(0.01) */
  grid?: number[];
  /** Bootstrap resamples. @default 1000 */
  resamples?: number;
  /** @default 20_260_801 */
  seed?: number;
  /** Interval level. @default 0.95 */
  level?: number;
}

function curveOf(p: PolicyInput, metric: Metric, order: Int32Array | null, w: ArrayLike<number>, grid: number[]) {
  if (!order) return { values: randomCurve(p.outcomes[metric], w, grid), achieved: grid };
  return rankedCurve(order, p.outcomes[metric], w, grid);
}

/**
 * Curves of every policy on the same n requests, with a paired bootstrap (the same resamples for
 * every policy).
 * @throws RangeError when policies disagree on n, or n = 0
 */
export function computeCurves(policies: readonly PolicyInput[], options: CurveOptions = {}): PolicyCurves[] {
  const grid = options.grid ?? shareGrid(0.01);
  const n = policies[0]?.outcomes.q.edge.length ?? 0;
  if (n === 0) throw new RangeError('curves need at least one request');
  for (const p of policies)
    for (const m of METRICS)
      if (p.outcomes[m].edge.length !== n || p.outcomes[m].escalated.length !== n)
        throw new RangeError(`${p.name}: ${m} has the wrong length`);
  const ones = new Float64Array(n).fill(1);
  const draws = resamples(n, options.resamples ?? 1000, options.seed ?? 20_260_801);
  return policies.map((p) => {
    const orders = Object.fromEntries(METRICS.map((m) => [m, p.scores ? rankOrder(p.scores(m)) : null])) as Record<
      Metric,
      Int32Array | null
    >;
    const point = Object.fromEntries(METRICS.map((m) => [m, curveOf(p, m, orders[m], ones, grid)])) as Record<
      Metric,
      { values: number[]; achieved: number[] }
    >;
    const reps = Object.fromEntries(METRICS.map((m) => [m, draws.map((w) => curveOf(p, m, orders[m], w, grid).values)])) as Record<
      Metric,
      number[][]
    >;
    const curve = Object.fromEntries(
      METRICS.map((m) => [
        m,
        grid.map((_, g) => {
          const [lo, hi] = percentileInterval(
            reps[m].map((r) => r[g]!),
            options.level,
          );
          return { value: point[m].values[g]!, lo, hi };
        }),
      ]),
    ) as Record<Metric, Estimate[]>;
    const auc = Object.fromEntries(
      QUALITY_METRICS.map((m) => {
        const [lo, hi] = percentileInterval(
          reps[m].map((r) => trapezoidArea(grid, r)),
          options.level,
        );
        return [m, { value: trapezoidArea(grid, point[m].values), lo, hi }];
      }),
    ) as PolicyCurves['auc'];
    return { name: p.name, grid, curve, achieved: point.q.achieved, auc };
  });
}

/** Index of `share` in `grid` (exact to 1e-9). @throws RangeError when absent */
export function gridIndex(grid: readonly number[], share: number): number {
  const i = grid.findIndex((g) => Math.abs(g - share) < 1e-9);
  if (i < 0) throw new RangeError(`share ${share} is not on the grid`);
  return i;
}
