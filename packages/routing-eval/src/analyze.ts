/**
 * From measured records to every number the report shows (pure: no I/O, no models): the learned
 * router fitted on train, the best cascade signal chosen on train, the curves and AUCs on eval, the
 * K sweep, the calibrated operating points, the cost figures and the target check.
 */
import { CONFIDENCE_SIGNALS, type ConfidenceSignal, type LearnedRouterModel } from '@distillgate/router';
import { computeCurves, type Estimate, gridIndex, type PolicyCurves, QUALITY_METRICS } from './curves.ts';
import { type OperatingPoint, operatingPoint } from './operating-point.ts';
import {
  aucOfScores,
  bestSignal,
  buildPolicies,
  cascadeName,
  cascadeScores,
  learnedScores,
  type PolicyContext,
  trainRouter,
} from './policies.ts';
import type { PairRecord } from './record.ts';

/** Edge shares the report tabulates. */
export const REPORT_SHARES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface AnalysisOptions extends PolicyContext {
  /** Calibration target on q. @default 0.95 */
  target?: number;
  /** Edge share the target asks for. @default 0.6 */
  targetEdgeShare?: number;
  /** Largest cost / teacher-only cost the target allows. @default 1/3 */
  targetCostRatio?: number;
  resamples?: number;
  seed?: number;
}

export interface Analysis {
  counts: { train: number; eval: number };
  /** True when a split was empty and train = eval (tiny prompt files only). */
  splitsOverlap: boolean;
  learnedModel: LearnedRouterModel;
  bestSignal: { signal: ConfidenceSignal; trainAuc: number; probeTokens: number };
  /** q-AUC on eval per signal and K, and the (signal, K) with the best train q-AUC. */
  kSweep: {
    ks: number[];
    eval: Record<ConfidenceSignal, number[]>;
    bestOnTrain: { signal: ConfidenceSignal; probeTokens: number; trainAuc: number };
  };
  curves: PolicyCurves[];
  operatingPoints: OperatingPoint[];
  cost: {
    /** Per 1,000 requests, micro-USD. */
    teacherOnlyPer1kMicroUsd: number;
    edgeOnlyPer1kMicroUsd: number;
    /** Means per request. */
    studentCpuMsPerRequest: number;
    teacherSecondsPerRequest: number;
    teacherTokensPerRequest: number;
    /** teacher compute (ms, at the measured throughput) / student CPU-ms, per request. */
    computeRatio: number;
  };
  means: { q: number; rouge_l: number; agreement: number };
  target: TargetCheck;
}

export interface TargetCheck {
  target: number;
  edgeShare: number;
  costRatio: number;
  /** Per calibrated policy: whether its eval operating point meets all three parts. */
  operatingPoints: { policy: string; q: Estimate; edgeShare: Estimate; costRatio: number; met: boolean }[];
  /** Per policy: the largest grid share whose eval q (point estimate) is ≥ target (in-sample, optimistic). */
  maxShareAtTarget: Record<string, number>;
  /** Shares 0.1…0.9 where the best cascade's lower bound is not above the random mean, per measure. */
  cascadeVsRandomFailures: Record<(typeof QUALITY_METRICS)[number], number[]>;
  met: boolean;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function kSweep(train: readonly PairRecord[], evalRecords: readonly PairRecord[], maxTokens: number): Analysis['kSweep'] {
  const ks = [1, 2, 4, 8, 16, 32, 64].filter((k) => k <= maxTokens);
  const evalAuc = Object.fromEntries(
    CONFIDENCE_SIGNALS.map((s) => [s, ks.map((k) => aucOfScores(evalRecords, cascadeScores(evalRecords, s, k)))]),
  ) as Record<ConfidenceSignal, number[]>;
  let best = { signal: CONFIDENCE_SIGNALS[0] as ConfidenceSignal, probeTokens: ks[0]!, trainAuc: Number.NEGATIVE_INFINITY };
  for (const signal of CONFIDENCE_SIGNALS)
    for (const k of ks) {
      const auc = aucOfScores(train, cascadeScores(train, signal, k));
      if (auc > best.trainAuc) best = { signal, probeTokens: k, trainAuc: auc };
    }
  return { ks, eval: evalAuc, bestOnTrain: best };
}

function targetCheck(
  a: Omit<Analysis, 'target'>,
  o: Required<Pick<AnalysisOptions, 'target' | 'targetEdgeShare' | 'targetCostRatio'>>,
): TargetCheck {
  const teacherOnly = a.cost.teacherOnlyPer1kMicroUsd;
  const ops = a.operatingPoints.map((p) => {
    const costRatio = p.eval.cost.value / teacherOnly;
    const met = p.eval.q.value >= o.target && p.eval.edgeShare.value >= o.targetEdgeShare && costRatio <= o.targetCostRatio;
    return { policy: p.policy, q: p.eval.q, edgeShare: p.eval.edgeShare, costRatio, met };
  });
  const maxShareAtTarget = Object.fromEntries(
    a.curves.map((c) => {
      let best = 0;
      c.curve.q.forEach((e, g) => {
        if (e.value >= o.target - 1e-12) best = Math.max(best, c.achieved[g]!);
      });
      return [c.name, best];
    }),
  );
  const random = a.curves.find((c) => c.name === 'random')!;
  const cascade = a.curves.find((c) => c.name === cascadeName(a.bestSignal.signal))!;
  const failures = Object.fromEntries(
    QUALITY_METRICS.map((m) => [
      m,
      REPORT_SHARES.filter((s) => {
        const g = gridIndex(cascade.grid, s);
        return !(cascade.curve[m][g]!.lo > random.curve[m][g]!.value);
      }),
    ]),
  ) as TargetCheck['cascadeVsRandomFailures'];
  const met = ops.some((p) => p.met) && QUALITY_METRICS.every((m) => failures[m].length === 0);
  return {
    target: o.target,
    edgeShare: o.targetEdgeShare,
    costRatio: o.targetCostRatio,
    operatingPoints: ops,
    maxShareAtTarget,
    cascadeVsRandomFailures: failures,
    met,
  };
}

/**
 * @param train records for fitting and calibration; @param evalRecords records for every reported number
 * @throws RangeError for an empty eval split
 */
export function analyze(train: readonly PairRecord[], evalRecords: readonly PairRecord[], options: AnalysisOptions): Analysis {
  if (evalRecords.length === 0) throw new RangeError('the eval split is empty');
  const splitsOverlap = train.length === 0;
  const fit = splitsOverlap ? evalRecords : train;
  const ctx: PolicyContext = options;
  const learnedModel = trainRouter(fit, options.maxTokens);
  const best = bestSignal(fit, options.probeTokens);
  const policies = buildPolicies(evalRecords, ctx, learnedModel);
  const curves = computeCurves(policies, { resamples: options.resamples ?? 1000, seed: options.seed ?? 20_260_801 });
  const byName = new Map(policies.map((p) => [p.name, p]));
  const opFor = (name: string, trainScores: (number | null)[], evalScores: (number | null)[]) =>
    operatingPoint(
      { policy: name, trainScores, trainQ: fit.map((r) => r.quality.q), evalScores, evalOutcomes: byName.get(name)!.outcomes },
      { target: options.target ?? 0.95, resamples: options.resamples ?? 1000, seed: (options.seed ?? 20_260_801) + 1 },
    );
  const cascade = cascadeName(best.signal);
  const operatingPoints = [
    opFor(cascade, cascadeScores(fit, best.signal, options.probeTokens), cascadeScores(evalRecords, best.signal, options.probeTokens)),
    opFor('learned', learnedScores(fit, learnedModel, options.maxTokens), learnedScores(evalRecords, learnedModel, options.maxTokens)),
  ];
  const random = curves.find((c) => c.name === 'random')!;
  const studentCpuMsPerRequest = mean(evalRecords.map((r) => r.student.cpuMs));
  const teacherTokensPerRequest = mean(evalRecords.map((r) => r.teacher.completionTokens));
  const teacherSecondsPerRequest = teacherTokensPerRequest / options.teacherTokensPerS;
  const partial = {
    counts: { train: train.length, eval: evalRecords.length },
    splitsOverlap,
    learnedModel,
    bestSignal: { signal: best.signal, trainAuc: best.auc, probeTokens: options.probeTokens },
    kSweep: kSweep(fit, evalRecords, options.maxTokens),
    curves,
    operatingPoints,
    cost: {
      teacherOnlyPer1kMicroUsd: random.curve.cost[0]!.value,
      edgeOnlyPer1kMicroUsd: random.curve.cost.at(-1)!.value,
      studentCpuMsPerRequest,
      teacherSecondsPerRequest,
      teacherTokensPerRequest,
      computeRatio: (teacherSecondsPerRequest * 1000) / studentCpuMsPerRequest,
    },
    means: {
      q: mean(evalRecords.map((r) => r.quality.q)),
      rouge_l: mean(evalRecords.map((r) => r.quality.rougeL)),
      agreement: mean(evalRecords.map((r) => r.quality.agreement)),
    },
  };
  return {
    ...partial,
    target: targetCheck(partial, {
      target: options.target ?? 0.95,
      targetEdgeShare: options.targetEdgeShare ?? 0.6,
      targetCostRatio: options.targetCostRatio ?? 1 / 3,
    }),
  };
}
