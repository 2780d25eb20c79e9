/**
 * The cascade gate's confidence score: one number from the student's own token statistics over
 * the first K generated tokens (FrugalGPT / AutoMix-style self-assessment, without a second
 * model). Each step brings what edge-model's `confidence()` computes from the raw distribution
 * p = softmax(logits) at T = 1 — before temperature, top-p or top-k — so the score does not depend
 * on the client's sampling settings.
 *
 * Signals (higher = more confident for every one of them, so one `score ≥ threshold` rule fits all):
 *
 * | signal         | score over the K steps                      | range          |
 * |----------------|---------------------------------------------|----------------|
 * | `mean_logprob` | mean of ln max_i p_i                        | (−∞, 0]        |
 * | `min_logprob`  | min of ln max_i p_i                         | (−∞, 0]        |
 * | `neg_entropy`  | −mean Shannon entropy −Σ p ln p, nats       | [−ln V, 0]     |
 * | `mean_margin`  | mean of p(top-1) − p(top-2)                 | [0, 1]         |
 *
 * At T = 0 max_i p_i is the probability of the emitted token, so `mean_logprob` is the mean token
 * log-probability of the draft (the "mean log-probability" cascade signal of the issue).
 */

/** One generated step's distribution statistics (edge-model `TokenConfidence`). */
export interface StepConfidence {
  /** max_i p_i, in (0, 1]. */
  maxProb: number;
  /** −Σ p_i ln p_i, nats. */
  entropyNats: number;
  /** p(top-1) − p(top-2), in [0, 1]. */
  top1Top2Margin: number;
}

export const CONFIDENCE_SIGNALS = ['mean_logprob', 'min_logprob', 'neg_entropy', 'mean_margin'] as const;
export type ConfidenceSignal = (typeof CONFIDENCE_SIGNALS)[number];

/** ln of a probability, floored so a p of 0 (underflow) stays finite. */
const lnProb = (p: number) => Math.log(Math.max(p, 1e-300));

/**
 * The score of `steps` (the first K steps of a draft, or all of them when it ended sooner).
 * @returns the score in the signal's range (table above); `null` for no steps (nothing to judge:
 *   a draft that ended at once carries no evidence either way)
 */
export function confidenceScore(steps: readonly StepConfidence[], signal: ConfidenceSignal): number | null {
  if (steps.length === 0) return null;
  switch (signal) {
    case 'mean_logprob':
      return mean(steps.map((s) => lnProb(s.maxProb)));
    case 'min_logprob':
      return Math.min(...steps.map((s) => lnProb(s.maxProb)));
    case 'neg_entropy':
      return -mean(steps.map((s) => s.entropyNats));
    case 'mean_margin':
      return mean(steps.map((s) => s.top1Top2Margin));
  }
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
