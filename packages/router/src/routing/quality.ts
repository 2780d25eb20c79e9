/**
 * How good a served answer is relative to the teacher's own answer to the same prompt, at T = 0.
 * Three measures (issue 8), each 1 for the teacher against itself:
 *
 * - **strict agreement**: the first `n` (16) token ids of both answers are identical (answers
 *   shorter than `n` must then be identical as a whole): 1 or 0;
 * - **ROUGE-L F1** of the answer's words against the teacher's (C.-Y. Lin, "ROUGE: A Package for
 *   Automatic Evaluation of Summaries", ACL 2004 workshop, §3.1: R = LCS/m, P = LCS/n, F with β = 1
 *   as Google's `rouge-score` reports); two empty answers score 1, one empty answer 0;
 * - **teacher-judged quality** q = exp(mean teacher log-prob of the served answer) / exp(mean teacher
 *   log-prob of the teacher's greedy answer), capped at 1 (a model judging a model: the ratio of
 *   per-token geometric-mean probabilities under the teacher).
 */

export type Token = string | number;

/** Tokens compared by strict agreement (issue 8: "exact match over the first 16 tokens"). */
export const STRICT_AGREEMENT_TOKENS = 16;

/** 1 when the first `n` tokens of `served` and `teacher` are the same sequence, else 0. */
export function strictAgreement(served: readonly number[], teacher: readonly number[], n = STRICT_AGREEMENT_TOKENS): 0 | 1 {
  const a = served.slice(0, n);
  const b = teacher.slice(0, n);
  return a.length === b.length && a.every((t, i) => t === b[i]) ? 1 : 0;
}

/**
 * Words and single punctuation marks of `text` (Unicode letter/digit/underscore runs; every other
 * non-space character alone), the split sacrebleu's `13a` tokenizer makes for punctuation. Case is kept.
 */
export function wordTokens(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** Length of the longest common subsequence, O(|a|·|b|) time, O(|b|) memory. */
export function lcsLength(a: readonly Token[], b: readonly Token[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    }
    [prev, row] = [row, prev];
  }
  return prev[b.length]!;
}

export interface RougeLResult {
  /** P_lcs = LCS / candidate length. */
  precision: number;
  /** R_lcs = LCS / reference length. */
  recall: number;
  /** F_lcs with β = 1. */
  f1: number;
}

/** Sentence-level ROUGE-L of one candidate against one reference (Lin 2004 §3.1); 0 when either is empty. */
export function rougeL(candidate: readonly Token[], reference: readonly Token[]): RougeLResult {
  if (candidate.length === 0 || reference.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const lcs = lcsLength(reference, candidate);
  const precision = lcs / candidate.length;
  const recall = lcs / reference.length;
  return { precision, recall, f1: lcs === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/** ROUGE-L F1 of two answer texts over their words; 1 when both are empty (identical answers). */
export function answerRougeL(served: string, teacher: string): number {
  const a = wordTokens(served);
  const b = wordTokens(teacher);
  if (a.length === 0 && b.length === 0) return 1;
  return rougeL(a, b).f1;
}

/**
 * q = min(1, exp(mean(servedLogprobs) − mean(teacherLogprobs))): both arrays are the teacher's
 * log-probabilities (nats) of each token of an answer given the prompt and the answer so far.
 * Two empty answers score 1; one empty answer against a non-empty one scores 0 either way (the
 * end-of-text token carries no logprob here, so an empty answer has no mean to compare: the teacher
 * chose to stop, or to go on, and the served answer did the opposite — as agreement and ROUGE-L
 * also score it).
 */
export function teacherJudgedQuality(servedLogprobs: readonly number[], teacherLogprobs: readonly number[]): number {
  if (servedLogprobs.length === 0 || teacherLogprobs.length === 0) return servedLogprobs.length === teacherLogprobs.length ? 1 : 0;
  const q = Math.exp(meanOf(servedLogprobs) - meanOf(teacherLogprobs));
  return Number.isFinite(q) ? Math.min(1, q) : 0;
}

function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The three measures of one answer against the teacher's. */
export interface AnswerQuality {
  /** 0 or 1. */
  agreement: number;
  /** ROUGE-L F1 in [0, 1]. */
  rougeL: number;
  /** Teacher-judged quality in [0, 1]. */
  q: number;
}

export const QUALITY_MEASURES = ['q', 'rouge_l', 'agreement'] as const;
export type QualityMeasure = (typeof QUALITY_MEASURES)[number];

export function measureOf(quality: AnswerQuality, measure: QualityMeasure): number {
  return measure === 'q' ? quality.q : measure === 'rouge_l' ? quality.rougeL : quality.agreement;
}
