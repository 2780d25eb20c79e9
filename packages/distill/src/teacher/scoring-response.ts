/**
 * The teacher-scoring contract (DESIGN.md §5) on the client side: the request body for one
 * sequence, and its response turned into KD positions.
 *
 * A sequence is S + 1 token ids sent as `prompt` with `echo: true`, `logprobs: k`, `max_tokens: 0`
 * (1 for a server that refuses 0 — DESIGN.md §5 allows both; the generated entry is ignored).
 * The echoed `top_logprobs[i]` (i ≥ 1) is the teacher's distribution over token i given tokens
 * 0..i−1, so position p = 0..S−1 gets input ids[p], target ids[p + 1] and the top-k of entry p + 1.
 * Entry 0 is null (nothing to condition on; OpenAI and vLLM answer so too) and is not used.
 *
 * Keys are vLLM's `return_tokens_as_token_ids` spelling `"token_id:<n>"`. Each entry is sorted by
 * logprob, descending (ties: smaller id first). An entry with more than k alternatives (vLLM adds
 * the chosen token when it is outside the top k) keeps the best k. An entry with fewer than k is
 * padded: logprob −65504 (float16's lowest finite value, so exp() is exactly 0 and 0 × log stays 0)
 * and, as ids, the smallest ids not already in that row (distinct, so gather/scatter stay
 * well-defined); the number of padded entries is counted.
 */
import { FLOAT16_MAX } from '../shards/float16.ts';

/** Logprob written into padding entries. */
export const PAD_LOGPROB = -FLOAT16_MAX;

export interface ScoringRequestOptions {
  model: string;
  /** Top alternatives per position (≤ 20 by DESIGN.md §5). */
  k: number;
  /** @default 0 */
  maxTokens?: 0 | 1;
}

/** The body of one scoring request, exactly DESIGN.md §5. */
export function scoringBody(ids: ArrayLike<number>, opts: ScoringRequestOptions): Record<string, unknown> {
  return {
    model: opts.model,
    prompt: Array.from(ids),
    echo: true,
    logprobs: opts.k,
    max_tokens: opts.maxTokens ?? 0,
    temperature: 0,
    return_tokens_as_token_ids: true,
  };
}

/** KD positions of one sequence: `S = ids.length − 1` rows. */
export interface ScoredSequence {
  input: Int32Array; // [S]
  target: Int32Array; // [S]
  topIds: Int32Array; // [S, k]
  topLogprobs: Float32Array; // [S, k]
  /** Entries filled with padding (rows with fewer than k alternatives). */
  padded: number;
}

export class ScoringResponseError extends Error {
  override name = 'ScoringResponseError';
}

/** `"token_id:123"` → 123. @throws ScoringResponseError on any other spelling */
export function parseTokenIdKey(key: string): number {
  const m = /^token_id:(\d+)$/.exec(key);
  if (!m) {
    throw new ScoringResponseError(
      `expected a "token_id:<n>" token, got ${JSON.stringify(key)} — the server must honour return_tokens_as_token_ids (vLLM's field)`,
    );
  }
  return Number(m[1]);
}

interface LegacyLogprobs {
  tokens?: unknown;
  top_logprobs?: unknown;
}

/** Reads `choices[0].logprobs` of a legacy completion. @throws ScoringResponseError when absent */
function logprobsOf(body: unknown): LegacyLogprobs {
  const choice = (body as { choices?: unknown[] } | null)?.choices?.[0] as { logprobs?: LegacyLogprobs } | undefined;
  if (!choice?.logprobs || typeof choice.logprobs !== 'object') throw new ScoringResponseError('response has no choices[0].logprobs');
  return choice.logprobs;
}

/** One row: the best k (id, logprob) pairs of `entry`, padded to k. @returns padding count */
function fillRow(entry: Record<string, unknown>, k: number, ids: Int32Array, lps: Float32Array, offset: number): number {
  const pairs: Array<[number, number]> = [];
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'number' || Number.isNaN(value)) throw new ScoringResponseError(`logprob of ${key} is not a number`);
    pairs.push([parseTokenIdKey(key), value]);
  }
  pairs.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const n = Math.min(k, pairs.length);
  for (let j = 0; j < n; j++) {
    ids[offset + j] = pairs[j]![0];
    lps[offset + j] = pairs[j]![1];
  }
  if (n === k) return 0;
  const used = new Set(pairs.slice(0, n).map((p) => p[0]));
  let next = 0;
  for (let j = n; j < k; j++) {
    while (used.has(next)) next++;
    ids[offset + j] = next++;
    lps[offset + j] = PAD_LOGPROB;
  }
  return k - n;
}

/**
 * @param ids the S + 1 ids that were sent
 * @param body the parsed JSON response
 * @throws ScoringResponseError when the echo does not match `ids` or an entry is missing
 */
export function parseScoringResponse(ids: ArrayLike<number>, body: unknown, k: number): ScoredSequence {
  const S = ids.length - 1;
  const lp = logprobsOf(body);
  const tops = lp.top_logprobs;
  if (!Array.isArray(tops) || tops.length < ids.length) {
    throw new ScoringResponseError(
      `top_logprobs has ${Array.isArray(tops) ? tops.length : 'no'} entries for ${ids.length} prompt tokens (echo: true?)`,
    );
  }
  if (Array.isArray(lp.tokens)) {
    for (let i = 0; i < ids.length; i++) {
      const token = lp.tokens[i];
      if (typeof token !== 'string' || parseTokenIdKey(token) !== ids[i]) {
        throw new ScoringResponseError(`echoed token ${i} is ${JSON.stringify(token)}, sent token_id:${ids[i]}`);
      }
    }
  }
  const out: ScoredSequence = {
    input: new Int32Array(S),
    target: new Int32Array(S),
    topIds: new Int32Array(S * k),
    topLogprobs: new Float32Array(S * k),
    padded: 0,
  };
  for (let p = 0; p < S; p++) {
    out.input[p] = ids[p]!;
    out.target[p] = ids[p + 1]!;
    const entry = tops[p + 1];
    if (entry === null || typeof entry !== 'object') throw new ScoringResponseError(`top_logprobs[${p + 1}] is ${JSON.stringify(entry)}`);
    out.padded += fillRow(entry as Record<string, unknown>, k, out.topIds, out.topLogprobs, p * k);
  }
  return out;
}

/** Completion token ids of a generation asked with `logprobs` and `return_tokens_as_token_ids`. */
export function completionTokenIds(body: unknown): number[] {
  const tokens = logprobsOf(body).tokens;
  if (!Array.isArray(tokens)) throw new ScoringResponseError('response has no logprobs.tokens');
  return tokens.map((t) => parseTokenIdKey(String(t)));
}
