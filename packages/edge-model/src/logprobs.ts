/**
 * Log-probabilities and confidence signals from RAW logits (T = 1, before temperature/top-k/top-p:
 * DESIGN.md §5 "Teacher scoring", vLLM `logprobs_mode=raw_logprobs`), in OpenAI's chat `logprobs`
 * shape, plus the per-token confidence the router's cascade gate reads.
 */

/** OpenAI `ChatCompletionTokenLogprob.top_logprobs[]` entry. `bytes`: the token's UTF-8 bytes. */
export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

/** OpenAI `ChatCompletionTokenLogprob`: the sampled token and up to 20 alternatives. */
export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** How sure the model was at one step (from the raw distribution p = softmax(logits)). */
export interface TokenConfidence {
  /** max_i p_i, in (0, 1]. */
  maxProb: number;
  /** Shannon entropy −Σ p_i ln p_i, nats, in [0, ln V]. */
  entropyNats: number;
  /** p(top-1) − p(top-2), in [0, 1]: small = the model hesitated between two tokens. */
  top1Top2Margin: number;
}

/** OpenAI caps `top_logprobs` at 20. */
export const MAX_TOP_LOGPROBS = 20;

/**
 * log_softmax(logits)_i = x_i − max − ln Σ_j exp(x_j − max), accumulated in float64 (the max shift
 * keeps exp from overflowing).
 */
export function logSoftmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const shift = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - shift;
  return out;
}

/** The `k` most likely ids, most likely first (ties → lower id). O(V·k), k ≤ 20. */
export function topIds(logprobs: Float64Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < logprobs.length; i++) {
    const v = logprobs[i]!;
    if (top.length === k && v <= logprobs[top[k - 1]!]!) continue;
    let at = top.length;
    while (at > 0 && v > logprobs[top[at - 1]!]!) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

/** Confidence signals of one step's log-probabilities. */
export function confidence(logprobs: Float64Array): TokenConfidence {
  let p1 = 0;
  let p2 = 0;
  let entropy = 0;
  for (let i = 0; i < logprobs.length; i++) {
    const lp = logprobs[i]!;
    const p = Math.exp(lp);
    if (p > 0) entropy -= p * lp;
    if (p > p1) {
      p2 = p1;
      p1 = p;
    } else if (p > p2) p2 = p;
  }
  return { maxProb: p1, entropyNats: Math.max(0, entropy), top1Top2Margin: p1 - p2 };
}

/** How a token id is shown: OpenAI's `token` string and its bytes (tokenizer.ts provides it). */
export interface TokenDisplay {
  tokenString(id: number): string;
  tokenBytes(id: number): Uint8Array;
}

/**
 * The OpenAI logprob entry for `tokenId`, with the `topN` (0..20) most likely alternatives.
 * @throws RangeError when topN is outside 0..20
 */
export function tokenLogprob(logprobs: Float64Array, tokenId: number, topN: number, display: TokenDisplay): TokenLogprob {
  if (!(Number.isInteger(topN) && topN >= 0 && topN <= MAX_TOP_LOGPROBS))
    throw new RangeError(`top_logprobs must be 0..${MAX_TOP_LOGPROBS}`);
  const entry = (id: number): TopLogprob => ({
    token: display.tokenString(id),
    logprob: logprobs[id]!,
    bytes: Array.from(display.tokenBytes(id)),
  });
  return { ...entry(tokenId), top_logprobs: topIds(logprobs, topN).map(entry) };
}
