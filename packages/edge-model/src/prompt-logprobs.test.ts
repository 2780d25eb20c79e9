import { describe, expect, it } from 'vitest';
import { InvalidGenerationRequestError } from './errors.ts';
import { logSoftmax } from './logprobs.ts';
import { promptLogprobs, tokenIdDisplay } from './prompt-logprobs.ts';
import { prepareRequest } from './request.ts';
import type { ModelTokenizer } from './tokenizer.ts';

const display = {
  tokenString: (id: number) => `t${id}`,
  tokenBytes: (id: number) => new TextEncoder().encode(`t${id}`),
};

describe('promptLogprobs', () => {
  // V = 4, three prompt tokens: row i scores token i + 1
  const data = Float32Array.from([0, 1, 2, 3, 3, 2, 1, 0, 5, 5, 5, 5]);
  const logits = { rows: 3, vocabSize: 4, data };

  it('scores token i by row i − 1 (raw log-softmax), the first token null, top-k ordered', () => {
    const out = promptLogprobs(logits, [2, 1, 0], 2, display);
    expect(out[0]).toEqual({ token: 't2', bytes: [116, 50], logprob: null, top_logprobs: null });
    const row0 = logSoftmax(data.subarray(0, 4));
    const row1 = logSoftmax(data.subarray(4, 8));
    expect(out[1]!.logprob).toBeCloseTo(row0[1]!, 12);
    expect(out[1]!.top_logprobs!.map((t) => t.token)).toEqual(['t3', 't2']);
    expect(out[2]!.logprob).toBeCloseTo(row1[0]!, 12);
    expect(out[2]!.top_logprobs!.map((t) => t.token)).toEqual(['t0', 't1']);
  });

  it('refuses logits that do not cover the prompt', () => {
    expect(() => promptLogprobs(logits, [1, 2], 0, display)).toThrow(/3 logit rows for 2/);
  });

  it('shows tokens as token_id:<n> with their bytes kept', () => {
    const ids = tokenIdDisplay(display);
    expect(ids.tokenString(42)).toBe('token_id:42');
    expect(Array.from(ids.tokenBytes(7))).toEqual([116, 55]);
  });
});

describe('prepareRequest for scoring', () => {
  const tokenizer = { size: 10, eosTokenId: 9, encode: () => [1, 2] } as unknown as ModelTokenizer;

  it('allows max_tokens 0 only when the prompt is scored', () => {
    const scored = prepareRequest(
      { prompt: [1, 2, 3], max_tokens: 0, prompt_logprobs: 20, return_tokens_as_token_ids: true },
      tokenizer,
      16,
    );
    expect(scored).toMatchObject({ maxTokens: 0, promptLogprobs: 20, tokensAsIds: true });
    expect(() => prepareRequest({ prompt: [1, 2, 3], max_tokens: 0 }, tokenizer, 16)).toThrow(InvalidGenerationRequestError);
  });

  it('bounds prompt_logprobs to 0..20', () => {
    expect(() => prepareRequest({ prompt: [1], prompt_logprobs: 21 }, tokenizer, 16)).toThrow(/prompt_logprobs/);
  });
});
