/**
 * The routing policies as scores over measured records (curves.ts ranks by them):
 *
 * - `random`: no score; the expected curve of routing a random s of requests to the edge;
 * - `rules`: score = −prompt tokens (short prompts on the edge: the rules policy's `maxPromptTokens`
 *   threshold swept over its whole range; tokens of the models' own tokenizer);
 * - `cascade (<signal>)`: score = router `confidenceScore(first K student steps, signal)`; an
 *   escalated request also pays the student's K-token draft; an empty draft (null score) always escalates;
 * - `learned`: router `predictQuality(model, {text: prompt, maxTokens: M})`, the model trained on the
 *   train split (`trainLearnedRouter`, quality = q);
 * - `oracle`: each measure's curve ranked by that measure itself (cost ranked by q): the upper bound
 *   any router could reach with this student.
 */
import {
  CONFIDENCE_SIGNALS,
  type ConfidenceSignal,
  confidenceScore,
  type LearnedRouterModel,
  predictQuality,
  trainLearnedRouter,
} from '@distillgate/router';
import { type Prices, routeCosts } from './costs.ts';
import { METRICS, type Metric, type Outcome, type PolicyInput, rankedCurve, rankOrder, shareGrid, trapezoidArea } from './curves.ts';
import { draftCpuMs, type PairRecord, stepsOf } from './record.ts';

export interface PolicyContext {
  prices: Prices;
  /** The teacher pool's measured throughput, completion tokens/s. */
  teacherTokensPerS: number;
  /** K. */
  probeTokens: number;
  /** M (the learned router's max_tokens feature). */
  maxTokens: number;
}

export const qualityOf = (r: PairRecord, metric: Exclude<Metric, 'cost'>) =>
  metric === 'q' ? r.quality.q : metric === 'rouge_l' ? r.quality.rougeL : r.quality.agreement;

function outcomes(records: readonly PairRecord[], ctx: PolicyContext, cascade: boolean): Record<Metric, Outcome> {
  const costs = records.map((r) =>
    routeCosts(ctx.prices, {
      studentCpuMs: r.student.cpuMs,
      draftCpuMs: draftCpuMs(r, ctx.probeTokens),
      teacherTokens: r.teacher.completionTokens,
      teacherTokensPerS: ctx.teacherTokensPerS,
    }),
  );
  const quality = (m: Exclude<Metric, 'cost'>): Outcome => ({ edge: records.map((r) => qualityOf(r, m)), escalated: records.map(() => 1) });
  return {
    q: quality('q'),
    rouge_l: quality('rouge_l'),
    agreement: quality('agreement'),
    cost: {
      edge: costs.map((c) => c.edgeMicroUsd * 1000),
      escalated: costs.map((c) => (cascade ? c.escalatedMicroUsd : c.teacherMicroUsd) * 1000),
    },
  };
}

export const cascadeScores = (records: readonly PairRecord[], signal: ConfidenceSignal, probeTokens: number) =>
  records.map((r) => confidenceScore(stepsOf(r).slice(0, probeTokens), signal));

export const learnedScores = (records: readonly PairRecord[], model: LearnedRouterModel, maxTokens: number) =>
  records.map((r) => predictQuality(model, { text: r.prompt, maxTokens }));

export const cascadeName = (signal: ConfidenceSignal) => `cascade (${signal})`;

/** The learned router fitted on `train` records (soft labels: q). */
export const trainRouter = (train: readonly PairRecord[], maxTokens: number) =>
  trainLearnedRouter(train.map((r) => ({ features: { text: r.prompt, maxTokens }, quality: r.quality.q })));

/** Point-estimate area under the q curve of a score on `records` (for choosing signals and K on the train split). */
export function aucOfScores(
  records: readonly PairRecord[],
  scores: readonly (number | null)[],
  metric: Exclude<Metric, 'cost'> = 'q',
): number {
  const grid = shareGrid(0.01);
  const outcome: Outcome = { edge: records.map((r) => qualityOf(r, metric)), escalated: records.map(() => 1) };
  const { values } = rankedCurve(rankOrder(scores), outcome, new Float64Array(records.length).fill(1), grid);
  return trapezoidArea(grid, values);
}

/** The cascade signal with the largest q-AUC on `records` at K (ties: CONFIDENCE_SIGNALS order). */
export function bestSignal(records: readonly PairRecord[], probeTokens: number): { signal: ConfidenceSignal; auc: number } {
  let best = { signal: CONFIDENCE_SIGNALS[0] as ConfidenceSignal, auc: Number.NEGATIVE_INFINITY };
  for (const signal of CONFIDENCE_SIGNALS) {
    const auc = aucOfScores(records, cascadeScores(records, signal, probeTokens));
    if (auc > best.auc) best = { signal, auc };
  }
  return best;
}

/** Every policy over the eval records. */
export function buildPolicies(records: readonly PairRecord[], ctx: PolicyContext, model: LearnedRouterModel): PolicyInput[] {
  const plain = outcomes(records, ctx, false);
  const drafted = outcomes(records, ctx, true);
  const fixed = (scores: readonly (number | null)[]) => () => scores;
  const rules = records.map((r) => -r.promptTokens);
  return [
    { name: 'random', scores: null, outcomes: plain },
    { name: 'rules', scores: fixed(rules), outcomes: plain },
    ...CONFIDENCE_SIGNALS.map((signal) => ({
      name: cascadeName(signal),
      scores: fixed(cascadeScores(records, signal, ctx.probeTokens)),
      outcomes: drafted,
    })),
    { name: 'learned', scores: fixed(learnedScores(records, model, ctx.maxTokens)), outcomes: plain },
    {
      name: 'oracle',
      scores: (m: Metric) => records.map((r) => qualityOf(r, m === 'cost' ? 'q' : m)),
      outcomes: plain,
    },
  ];
}

export { METRICS };
