/**
 * Overlap metrics between a candidate and a reference sequence of tokens (words, or model token
 * ids): corpus BLEU-4 and sentence ROUGE-L. No npm package for either was installed here, so they
 * are written out from the papers:
 *
 * - BLEU: K. Papineni, S. Roukos, T. Ward, W.-J. Zhu, "BLEU: a Method for Automatic Evaluation of
 *   Machine Translation", ACL 2002. §2.1: modified n-gram precision p_n, each candidate n-gram's
 *   count clipped to its count in the reference, clipped counts and candidate n-gram counts summed
 *   over the whole corpus before dividing (§2.1.1). §2.2.2: brevity penalty BP = 1 if c > r else
 *   exp(1 − r/c), with c and r the corpus's total candidate and reference lengths. §2.3:
 *   BLEU = BP · exp(Σ_{n=1..N} w_n log p_n), N = 4, w_n = 1/N. One reference per candidate; no
 *   smoothing, so any p_n = 0 gives BLEU 0 (as the paper and sacrebleu's default do).
 * - ROUGE-L: C.-Y. Lin, "ROUGE: A Package for Automatic Evaluation of Summaries", ACL 2004 Workshop
 *   Text Summarization Branches Out, §3.1: with X the reference (length m), Y the candidate
 *   (length n), R_lcs = LCS(X,Y)/m, P_lcs = LCS(X,Y)/n, F_lcs = (1+β²)·R·P / (R + β²·P); we report
 *   β = 1 (F1), as Google's `rouge-score` package does.
 *
 * Empty inputs: BLEU of a corpus whose candidates are all empty is 0 (BP = 0, as sacrebleu);
 * ROUGE-L with an empty candidate or reference is 0 (as `rouge-score`).
 */

export type Token = string | number;

// ROUGE-L and the word split are shared with the router's quality measures (one implementation)
export { lcsLength, type RougeLResult, rougeL, wordTokens } from '@distillgate/router';

/** n-gram → count; keys join the tokens with U+0001 (never inside a word or a number). */
function ngramCounts(tokens: readonly Token[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export interface BleuResult {
  /** BLEU in [0, 1] (multiply by 100 for the usual scale). */
  bleu: number;
  /** Modified n-gram precisions p_1 … p_N over the corpus, each in [0, 1]. */
  precisions: number[];
  /** BP in [0, 1]. */
  brevityPenalty: number;
  /** c: candidate tokens in the corpus. */
  candidateLength: number;
  /** r: reference tokens in the corpus. */
  referenceLength: number;
}

export interface CandidatePair {
  candidate: readonly Token[];
  reference: readonly Token[];
}

/** Corpus BLEU-N (default N = 4, uniform weights) of candidates against one reference each. */
export function corpusBleu(pairs: readonly CandidatePair[], maxOrder = 4): BleuResult {
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let c = 0;
  let r = 0;
  for (const { candidate, reference } of pairs) {
    c += candidate.length;
    r += reference.length;
    for (let n = 1; n <= maxOrder; n++) {
      const ref = ngramCounts(reference, n);
      for (const [gram, count] of ngramCounts(candidate, n)) {
        matches[n - 1]! += Math.min(count, ref.get(gram) ?? 0); // clipped count (§2.1)
        totals[n - 1]! += count;
      }
    }
  }
  const precisions = matches.map((m, i) => (totals[i]! > 0 ? m / totals[i]! : 0));
  const brevityPenalty = c === 0 ? 0 : c > r ? 1 : Math.exp(1 - r / c); // §2.2.2
  const logMean = precisions.some((p) => p === 0) ? Number.NEGATIVE_INFINITY : precisions.reduce((s, p) => s + Math.log(p), 0) / maxOrder;
  return { bleu: brevityPenalty * Math.exp(logMean), precisions, brevityPenalty, candidateLength: c, referenceLength: r };
}
