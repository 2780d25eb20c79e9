import { InvalidGenerationRequestError } from '@distillgate/edge-model';
import { parseChatCompletionRequest, parseCompletionRequest } from '@distillgate/protocol';
import type { JsonObject } from '@distillgate/router';
import { describe, expect, it } from 'vitest';
import { toEdgeRequest } from './request.ts';

const chat = (extra: JsonObject = {}) =>
  parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra }) as unknown as JsonObject;
const legacy = (extra: JsonObject = {}) => parseCompletionRequest({ model: 'm', prompt: 'hi', ...extra }) as unknown as JsonObject;

/** The param of the InvalidGenerationRequestError `fn` throws. */
function refusedParam(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidGenerationRequestError);
    return (err as InvalidGenerationRequestError).param;
  }
  throw new Error('expected a refusal');
}

describe('toEdgeRequest: what maps', () => {
  it('chat: messages and sampling parameters; max_completion_tokens arrives as max_tokens', () => {
    const { generation, logprobs } = toEdgeRequest(
      'chat.completions',
      chat({ temperature: 0.5, top_p: 0.9, seed: 3, stop: 'x', max_completion_tokens: 7, top_k: 40, user: 'u', n: 1 }),
    );
    expect(generation).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      seed: 3,
      stop: ['x'],
      max_tokens: 7,
    });
    expect(logprobs).toBeNull();
  });

  it('chat logprobs / top_logprobs', () => {
    expect(toEdgeRequest('chat.completions', chat({ logprobs: true, top_logprobs: 4 }))).toMatchObject({
      generation: { logprobs: true, top_logprobs: 4 },
      logprobs: 'chat',
    });
    expect(toEdgeRequest('chat.completions', chat({ logprobs: true })).generation).toMatchObject({ logprobs: true, top_logprobs: 0 });
    expect(toEdgeRequest('chat.completions', chat({ logprobs: false })).logprobs).toBeNull();
  });

  it('legacy: text, token ids, or a batch of one; logprobs k → top_logprobs k', () => {
    expect(toEdgeRequest('completions', legacy({ logprobs: 2 }))).toEqual({
      generation: { prompt: 'hi', logprobs: true, top_logprobs: 2 },
      logprobs: 'legacy',
    });
    expect(toEdgeRequest('completions', legacy({ prompt: [5, 6] })).generation.prompt).toEqual([5, 6]);
    expect(toEdgeRequest('completions', legacy({ prompt: ['one'] })).generation.prompt).toBe('one');
    expect(toEdgeRequest('completions', legacy({ prompt: [[1, 2]] })).generation.prompt).toEqual([1, 2]);
  });

  it('top_p 0 keeps only the most likely token (top_k 1); zero penalties and empty logit_bias are no-ops', () => {
    expect(toEdgeRequest('chat.completions', chat({ top_p: 0, top_k: 50 })).generation).toMatchObject({ top_k: 1 });
    expect(toEdgeRequest('chat.completions', chat({ top_p: 0 })).generation.top_p).toBeUndefined();
    expect(() => toEdgeRequest('chat.completions', chat({ presence_penalty: 0, frequency_penalty: 0, logit_bias: {} }))).not.toThrow();
    expect(() => toEdgeRequest('chat.completions', chat({ tools: [{ type: 'function' }], tool_choice: 'none' }))).not.toThrow();
    expect(() => toEdgeRequest('chat.completions', chat({ response_format: { type: 'text' } }))).not.toThrow();
  });
});

describe('toEdgeRequest: what the edge refuses, with the param at fault', () => {
  it.each([
    ['n', chat({ n: 2 })],
    ['presence_penalty', chat({ presence_penalty: 0.5 })],
    ['frequency_penalty', chat({ frequency_penalty: -1 })],
    ['logit_bias', chat({ logit_bias: { '5': 10 } })],
    ['tools', chat({ tools: [{ type: 'function', function: { name: 'f' } }] })],
    ['response_format', chat({ response_format: { type: 'json_object' } })],
    ['modalities', chat({ modalities: ['text', 'audio'] })],
  ])('chat %s', (param, body) => {
    expect(refusedParam(() => toEdgeRequest('chat.completions', body))).toBe(param);
  });

  it.each([
    ['echo', legacy({ echo: true })],
    ['best_of', legacy({ best_of: 3 })],
    ['suffix', legacy({ suffix: 'end' })],
    ['prompt', legacy({ prompt: ['a', 'b'] })],
    ['n', legacy({ n: 3 })],
  ])('legacy %s', (param, body) => {
    expect(refusedParam(() => toEdgeRequest('completions', body))).toBe(param);
  });
});
