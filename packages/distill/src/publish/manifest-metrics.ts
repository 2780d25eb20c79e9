/**
 * An `EvalResult` as manifest metrics, in the shape gpu-worker/trainer/manifest.py's
 * `record_metrics` writes: `metrics[key] = {value, command, measured_at, ...details}`, one number
 * per key (the admin API lists `value`s).
 *
 * Keys carry an `edge_` prefix: measured in the student's runtime through edge-model (ORT-web by
 * default) on `maxTestTokens` of the test split, so they never overwrite evaluate.py's
 * `test_perplexity` / kd_eval.py's `teacher_top1_agreement` (torch, whole split). int8 keys end in
 * `_int8`. Details say how each was measured, so two versions compare only when measured alike.
 */
import type { EvalResult, VariantEval } from '../evaluate/index.ts';
import type { ComparableScores } from './decision.ts';

/** How a metric was measured: the command, when, and details (runtime, split, teacher…). */
interface MetricDetails {
  command: string;
  measured_at: string;
  [detail: string]: unknown;
}

export interface MetricEntry extends MetricDetails {
  value: number;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function variantMetrics(e: EvalResult, v: VariantEval, suffix: string): Record<string, MetricEntry> {
  const base = { command: e.command, measured_at: e.finishedAt, runtime: v.runtime, threads: 1, model_file: v.file, teacher: e.teacher.id };
  const test = {
    ...base,
    split: 'test',
    predicted_tokens: e.testSplit.predictedTokens,
    context_length: e.testSplit.contextLength,
    test_tokens_sha256: e.testSplit.sha256,
    tokenizer_sha256: e.tokenizerSha256,
  };
  const g = v.greedy;
  const greedy = { ...base, prompts: g.prompts, continuation_tokens: g.continuationTokens, text_units: 'words' };
  const n = g.continuationTokens;
  const entries: [string, number, MetricDetails][] = [
    ['edge_test_perplexity', round(v.testPerplexity, 4), test],
    ['edge_test_top1_accuracy', round(v.testTop1Accuracy, 4), test],
    ['edge_teacher_top1_agreement', round(v.teacherTop1Agreement, 4), test],
    ['edge_kl_teacher_student', round(v.teacherKlNats, 4), { ...test, unit: 'nats per token' }],
    [`edge_greedy${n}_exact_match`, round(g.exactMatch, 4), greedy],
    [`edge_greedy${n}_matching_prefix_tokens`, round(g.meanMatchingPrefixTokens, 3), greedy],
    [`edge_greedy${n}_bleu4`, round(g.bleu4, 4), greedy],
    [`edge_greedy${n}_rouge_l_f1`, round(g.rougeLF1, 4), greedy],
    [
      'edge_decode_tokens_per_s',
      round(v.decode.tokensPerS, 1),
      { ...base, steps_per_round: v.decode.stepsPerRound, rounds: v.decode.rounds },
    ],
  ];
  return Object.fromEntries(entries.map(([key, value, details]): [string, MetricEntry] => [`${key}${suffix}`, { ...details, value }]));
}

/** Every metric of `e` (fp32, then int8 when evaluated) keyed for manifest.json `metrics`. */
export function manifestMetrics(e: EvalResult): Record<string, MetricEntry> {
  return { ...variantMetrics(e, e.variants.fp32, ''), ...(e.variants.int8 ? variantMetrics(e, e.variants.int8, '_int8') : {}) };
}

/**
 * What the promotion rule compares, from an evaluation (its fp32 graph), rounded as the manifest
 * records them — so a candidate compared with a live manifest and with the live's EvalResult gets
 * the same verdict.
 */
export function scoresOfEvaluation(e: EvalResult, source: 'evaluation' | 'baseline'): ComparableScores {
  const v = e.variants.fp32;
  return {
    model: e.student.id,
    source,
    teacher: e.teacher.id,
    runtime: v.runtime,
    testTokensSha256: e.testSplit.sha256,
    teacherTop1Agreement: round(v.teacherTop1Agreement, 4),
    testPerplexity: round(v.testPerplexity, 4),
  };
}

/** The same, from a published manifest's recorded metrics; null when they are not there. */
export function scoresOfManifest(manifest: { name?: unknown; version?: unknown; metrics?: unknown }): ComparableScores | null {
  const metrics = (manifest.metrics ?? {}) as Record<string, Partial<MetricEntry> | undefined>;
  const agreement = metrics.edge_teacher_top1_agreement;
  const ppl = metrics.edge_test_perplexity;
  if (typeof agreement?.value !== 'number' || typeof ppl?.value !== 'number') return null;
  return {
    model: `${manifest.name}@${manifest.version}`,
    source: 'live manifest',
    teacher: String(agreement.teacher),
    runtime: String(agreement.runtime),
    testTokensSha256: String(agreement.test_tokens_sha256),
    teacherTop1Agreement: agreement.value,
    testPerplexity: ppl.value,
  };
}
