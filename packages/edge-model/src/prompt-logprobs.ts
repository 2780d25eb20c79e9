/**
 * Prompt logprobs (OpenAI `echo: true` with `logprobs`, vLLM `prompt_logprobs`): the prefill's
 * logits row i is the distribution of token i + 1, so prompt token i > 0 is scored by row i − 1.
 * The first token has no context to be scored from: its logprob is null, as in OpenAI and vLLM.
 * Raw logits at T = 1 (DESIGN.md §5 "Teacher scoring"), over every logit column.
 */
import type { Logits } from './decoder.ts';
import { logSoftmax, type TokenDisplay, type TopLogprob, tokenLogprob } from './logprobs.ts';

/** A prompt token's entry: like TokenLogprob, but the first token's `logprob`/`top_logprobs` are null. */
export interface PromptLogprob {
  token: string;
  bytes: number[];
  logprob: number | null;
  top_logprobs: TopLogprob[] | null;
}

/**
 * @param logits the prefill's logits [ids.length, V]
 * @param topN alternatives per position, 0..20
 * @returns one entry per prompt token; the first one's logprob and top_logprobs are null
 */
export function promptLogprobs(logits: Logits, ids: readonly number[], topN: number, display: TokenDisplay): PromptLogprob[] {
  if (logits.rows !== ids.length) throw new Error(`promptLogprobs: ${logits.rows} logit rows for ${ids.length} prompt tokens`);
  const V = logits.vocabSize;
  return ids.map((id, i) =>
    i === 0
      ? { token: display.tokenString(id), bytes: Array.from(display.tokenBytes(id)), logprob: null, top_logprobs: null }
      : tokenLogprob(logSoftmax(logits.data.subarray((i - 1) * V, i * V)), id, topN, display),
  );
}

/** Shows every token as vLLM's `return_tokens_as_token_ids` does: `"token_id:<n>"`, bytes unchanged. */
export function tokenIdDisplay(display: TokenDisplay): TokenDisplay {
  return { tokenString: (id) => `token_id:${id}`, tokenBytes: (id) => display.tokenBytes(id) };
}
