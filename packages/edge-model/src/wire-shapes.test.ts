import { describe, expect, it } from 'vitest';
import type { DoneEvent, TokenEvent } from './generation.ts';
import { EdgeWire } from './wire.ts';

const confidence = { maxProb: 0.5, entropyNats: 1, top1Top2Margin: 0.1 };
const token = (index: number, text: string, logprob = -1.5): TokenEvent => ({
  type: 'token',
  index,
  tokenId: 10 + index,
  text,
  logprobs: {
    token: text || 'bytes:\\xe2',
    logprob,
    bytes: [...new TextEncoder().encode(text)],
    top_logprobs: [
      { token: 'a', logprob: -0.5, bytes: [97] },
      { token: 'b', logprob: Number.NEGATIVE_INFINITY, bytes: [98] },
    ],
  },
  confidence,
});
const done = (text = '', finish: DoneEvent['finish_reason'] = 'length'): DoneEvent => ({
  type: 'done',
  finish_reason: finish,
  stop_reason: finish === 'length' ? 'max_tokens' : 'eos',
  text,
  usage: { prompt_tokens: 4, completion_tokens: 3 },
  timings: { queueMs: 0, prefillMs: 1, decodeMs: 2 },
});

const wire = (endpoint: 'chat.completions' | 'completions', logprobs: 'chat' | 'legacy' | null) =>
  new EdgeWire({ endpoint, id: 'x-1', model: 'student', logprobs, created: 1_700_000_000 });

describe('EdgeWire: whole responses', () => {
  it('chat: one choice, the text of every event, usage with total', () => {
    const body = wire('chat.completions', null).response([token(0, 'He'), token(1, 'll')], done('o'));
    expect(body).toEqual({
      id: 'x-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'student',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
    });
  });

  it('chat logprobs: OpenAI entries; −∞ becomes −9999 (JSON has no infinities)', () => {
    const body = wire('chat.completions', 'chat').response([token(0, 'He')], done());
    const choice = (body.choices as Array<Record<string, unknown>>)[0];
    expect(choice?.logprobs).toEqual({
      content: [
        {
          token: 'He',
          logprob: -1.5,
          bytes: [72, 101],
          top_logprobs: [
            { token: 'a', logprob: -0.5, bytes: [97] },
            { token: 'b', logprob: -9999, bytes: [98] },
          ],
        },
      ],
      refusal: null,
    });
  });

  it('legacy: text_completion with {tokens, token_logprobs, top_logprobs, text_offset}', () => {
    const body = wire('completions', 'legacy').response([token(0, 'ab'), token(1, ''), token(2, '€c')], done('', 'stop'));
    expect(body.object).toBe('text_completion');
    const choice = (body.choices as Array<Record<string, unknown>>)[0];
    expect(choice).toMatchObject({ index: 0, text: 'ab€c', finish_reason: 'stop' });
    expect(choice?.logprobs).toEqual({
      tokens: ['ab', 'bytes:\\xe2', '€c'],
      token_logprobs: [-1.5, -1.5, -1.5],
      top_logprobs: [
        { a: -0.5, b: -9999 },
        { a: -0.5, b: -9999 },
        { a: -0.5, b: -9999 },
      ],
      text_offset: [0, 2, 2],
    });
  });
});

describe('EdgeWire: stream chunks', () => {
  it('chat: a role chunk, one chunk per token with text, the held-back tail, the finish chunk, the usage chunk', () => {
    const w = wire('chat.completions', null);
    expect(w.openingChunks()).toEqual([
      {
        id: 'x-1',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'student',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      },
    ]);
    expect(w.tokenChunk(token(0, 'He'))?.choices).toEqual([{ index: 0, delta: { content: 'He' }, logprobs: null, finish_reason: null }]);
    expect(w.tokenChunk(token(1, ''))).toBeNull(); // nothing to send: text held back, no logprobs asked
    expect(w.tailChunk(done(''))).toBeNull();
    expect(w.tailChunk(done('?'))?.choices).toEqual([{ index: 0, delta: { content: '?' }, logprobs: null, finish_reason: null }]);
    expect(w.finishChunk(done()).choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }]);
    expect(w.usageChunk(done(), { route: 'edge' })).toEqual({
      id: 'x-1',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'student',
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
      distillgate: { route: 'edge' },
    });
  });

  it('with logprobs a token whose text is held back still gets its chunk (one logprob entry per token)', () => {
    const w = wire('chat.completions', 'chat');
    const chunk = w.tokenChunk(token(0, ''));
    expect(chunk?.choices).toMatchObject([{ delta: { content: '' }, logprobs: { content: [{ token: 'bytes:\\xe2' }] } }]);
  });

  it('legacy: no role chunk; text chunks; text_offset counts the text sent before', () => {
    const w = wire('completions', 'legacy');
    expect(w.openingChunks()).toEqual([]);
    w.tokenChunk(token(0, 'abc'));
    const second = w.tokenChunk(token(1, 'de'));
    expect(second?.choices).toMatchObject([{ index: 0, text: 'de', finish_reason: null, logprobs: { tokens: ['de'], text_offset: [3] } }]);
    expect(w.finishChunk(done()).choices).toEqual([{ index: 0, text: '', logprobs: null, finish_reason: 'length' }]);
  });
});
