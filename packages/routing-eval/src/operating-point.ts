/**
 * The operating point calibration chooses: router `calibrateThreshold` on the **train** split
 * (weights 1, measure q, target 0.95 by default), the threshold then applied unchanged to the
 * **eval** split — so the reported share and qualities are out-of-sample, as a deployed threshold's
 * would be. Intervals: the same paired bootstrap over eval prompts (decisions fixed per prompt).
 */
import { calibrateThreshold } from '@distillgate/router';
import { percentileInterval, resamples } from './bootstrap.ts';
import type { Estimate, Metric, Outcome } from './curves.ts';
import { METRICS } from './curves.ts';

export interface OperatingPoint {
  policy: string;
  /** Serve on the edge when score ≥ threshold (`null` in JSON for +∞: nothing on the edge). */
  threshold: number;
  target: number;
  /** What calibration saw on the train split. */
  train: { edgeShare: number; q: number; records: number };
  /** Applied to the eval split. */
  eval: { edgeShare: Estimate } & Record<Metric, Estimate>;
}

export interface OperatingPointInput {
  policy: string;
  trainScores: readonly (number | null)[];
  trainQ: readonly number[];
  evalScores: readonly (number | null)[];
  evalOutcomes: Record<Metric, Outcome>;
}

/** Weighted mean of the served values and the weighted edge share under fixed decisions. */
function served(onEdge: readonly boolean[], outcome: Outcome, w: ArrayLike<number>): { value: number; share: number } {
  let W = 0;
  let sum = 0;
  let edge = 0;
  for (let i = 0; i < onEdge.length; i++) {
    W += w[i]!;
    sum += w[i]! * (onEdge[i] ? outcome.edge[i]! : outcome.escalated[i]!);
    if (onEdge[i]) edge += w[i]!;
  }
  return { value: sum / W, share: edge / W };
}

/** @throws RangeError for an empty split (calibrateThreshold's own checks) */
export function operatingPoint(
  input: OperatingPointInput,
  options: { target?: number; resamples?: number; seed?: number } = {},
): OperatingPoint {
  const target = options.target ?? 0.95;
  const cal = calibrateThreshold(
    input.trainScores.map((score, i) => ({ score, quality: input.trainQ[i]!, weight: 1 })),
    target,
  );
  const onEdge = input.evalScores.map((s) => s !== null && s >= cal.threshold);
  const n = onEdge.length;
  const ones = new Float64Array(n).fill(1);
  const draws = resamples(n, options.resamples ?? 1000, options.seed ?? 20_260_802);
  const estimate = (f: (w: ArrayLike<number>) => number): Estimate => {
    const [lo, hi] = percentileInterval(draws.map(f));
    return { value: f(ones), lo, hi };
  };
  const evalPart = Object.fromEntries(METRICS.map((m) => [m, estimate((w) => served(onEdge, input.evalOutcomes[m], w).value)])) as Record<
    Metric,
    Estimate
  >;
  return {
    policy: input.policy,
    threshold: cal.threshold,
    target,
    train: { edgeShare: cal.edgeShare, q: cal.quality, records: cal.records },
    eval: { ...evalPart, edgeShare: estimate((w) => served(onEdge, input.evalOutcomes.q, w).share) },
  };
}
