/**
 * The promotion rule: does an offline-evaluated candidate beat the live version?
 *
 *   promote   agreement_c ≥ agreement_live  AND  ppl_c ≤ ppl_live · (1 + 1 %)
 *   rollback  otherwise
 *   undecided when the two were not measured alike (another teacher, another test slice, other
 *             runtime) or the live version has no such measurement: the candidate stays canary
 *
 * agreement = top-1 next-token agreement with the teacher, ppl = test perplexity, both of the fp32
 * `model.onnx` — the graph the edge serves — measured by `evaluateStudent` on the same tokens.
 * Agreement is what distillation optimises; the perplexity guard stops a student that copies the
 * teacher's argmax while getting worse at the corpus. Equal agreement promotes (a tie favours the
 * newer model, which the canary traffic has already been exposed to).
 */

/** Relative perplexity a candidate may lose and still be promoted. */
export const PERPLEXITY_TOLERANCE = 0.01;

/** What the rule compares, and how it was measured (must match between the two sides). */
export interface ComparableScores {
  /** `name@version` of the measured model. */
  model: string;
  /** 'baseline' (an EvalResult passed in) or 'live manifest' (its recorded edge_* metrics). */
  source: 'evaluation' | 'baseline' | 'live manifest';
  teacher: string;
  runtime: string;
  testTokensSha256: string;
  teacherTop1Agreement: number;
  testPerplexity: number;
}

export interface Verdict {
  verdict: 'promote' | 'rollback' | 'undecided';
  reason: string;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

export function judge(candidate: ComparableScores, live: ComparableScores | null): Verdict {
  if (live === null) return { verdict: 'undecided', reason: 'the live version has no comparable evaluation' };
  for (const field of ['teacher', 'runtime', 'testTokensSha256'] as const) {
    if (candidate[field] !== live[field]) {
      return { verdict: 'undecided', reason: `not measured alike: ${field} ${candidate[field]} vs ${live[field]} (${live.source})` };
    }
  }
  const agreementOk = candidate.teacherTop1Agreement >= live.teacherTop1Agreement;
  const pplLimit = live.testPerplexity * (1 + PERPLEXITY_TOLERANCE);
  const pplOk = candidate.testPerplexity <= pplLimit;
  const facts =
    `agreement ${pct(candidate.teacherTop1Agreement)} vs live ${pct(live.teacherTop1Agreement)}, ` +
    `perplexity ${candidate.testPerplexity.toFixed(2)} vs live ${live.testPerplexity.toFixed(2)} (limit ${pplLimit.toFixed(2)})`;
  if (agreementOk && pplOk) return { verdict: 'promote', reason: `beats ${live.model}: ${facts}` };
  const why = [!agreementOk && 'lower agreement', !pplOk && 'perplexity worse by more than 1 %'].filter(Boolean).join(' and ');
  return { verdict: 'rollback', reason: `worse than ${live.model} (${why}): ${facts}` };
}
