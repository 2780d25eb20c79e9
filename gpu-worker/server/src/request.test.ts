import { GatewayError } from '@distillgate/protocol';
import { describe, expect, it } from 'vitest';
import { toWorkerRequest } from './request.ts';

describe('toWorkerRequest', () => {
  it('maps the teacher-scoring call (DESIGN.md §5)', () => {
    const r = toWorkerRequest('completions', {
      model: 't',
      prompt: [1, 2, 3],
      echo: true,
      logprobs: 20,
      max_tokens: 0,
      temperature: 0,
      return_tokens_as_token_ids: true,
    });
    expect(r).toEqual({
      generation: {
        prompt: [1, 2, 3],
        prompt_logprobs: 20,
        logprobs: true,
        top_logprobs: 20,
        max_tokens: 0,
        temperature: 0,
        return_tokens_as_token_ids: true,
      },
      logprobs: 'legacy',
      echo: true,
      stream: false,
      includeUsage: false,
    });
  });

  it('maps chat logprobs, top_p 0 and usage in streams', () => {
    const r = toWorkerRequest('chat.completions', {
      model: 't',
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 3,
      top_p: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.generation).toMatchObject({ logprobs: true, top_logprobs: 3, top_k: 1 });
    expect(r).toMatchObject({ logprobs: 'chat', stream: true, includeUsage: true, echo: false });
  });

  it.each([
    ['n', { n: 2 }],
    ['best_of', { best_of: 3 }],
    ['logit_bias', { logit_bias: { '1': 5 } }],
    ['suffix', { suffix: 'end' }],
  ])('refuses %s with a 400 naming it', (param, extra) => {
    try {
      toWorkerRequest('completions', { model: 't', prompt: 'x', ...extra });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).param).toBe(param);
    }
  });

  it('accepts a batch of exactly one prompt, refuses more', () => {
    expect(toWorkerRequest('completions', { model: 't', prompt: [[4, 5]] }).generation.prompt).toEqual([4, 5]);
    expect(() => toWorkerRequest('completions', { model: 't', prompt: ['a', 'b'] })).toThrow(/single prompt/);
  });
});
