/**
 * The echo part of the shared wire (the rest is covered by wire-shapes.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { DoneEvent, TokenEvent } from './generation.ts';
import { EdgeWire } from './wire.ts';

const entry = (token: string, logprob: number) => ({
  token,
  logprob,
  bytes: Array.from(new TextEncoder().encode(token)),
  top_logprobs: [{ token, logprob, bytes: [] }],
});
const token = (text: string): TokenEvent => ({
  type: 'token',
  index: 0,
  tokenId: 5,
  text,
  logprobs: entry(text, -0.5),
  confidence: { maxProb: 0.6, entropyNats: 1, top1Top2Margin: 0.2 },
});
const done: DoneEvent = {
  type: 'done',
  finish_reason: 'length',
  stop_reason: 'max_tokens',
  text: '',
  usage: { prompt_tokens: 2, completion_tokens: 1 },
  timings: { queueMs: 0, prefillMs: 0, decodeMs: 0 },
  prompt_logprobs: [{ token: 'Hé', bytes: [72, 195, 169], logprob: null, top_logprobs: null }, entry('llo', -2)],
};

describe('EdgeWire echo (legacy completions)', () => {
  const wire = () =>
    new EdgeWire({ endpoint: 'completions', id: 'cmpl-1', model: 'm', logprobs: 'legacy', echo: { text: 'Héllo' }, created: 1 });

  it('puts the prompt text and its scored tokens first, the first token null', () => {
    const body = wire().response([token(' x')], done) as { choices: Array<{ text: string; logprobs: Record<string, unknown[]> }> };
    expect(body.choices[0]!.text).toBe('Héllo x');
    expect(body.choices[0]!.logprobs).toEqual({
      tokens: ['Hé', 'llo', ' x'],
      token_logprobs: [null, -2, -0.5],
      top_logprobs: [null, { llo: -2 }, { ' x': -0.5 }],
      text_offset: [0, 2, 5],
    });
  });

  it('streams the echo as one chunk before the tokens', () => {
    const w = wire();
    const echo = w.echoChunk(done, done.prompt_logprobs) as { choices: Array<{ text: string }> };
    expect(echo.choices[0]!.text).toBe('Héllo');
    const next = w.tokenChunk(token(' x')) as { choices: Array<{ logprobs: { text_offset: number[] } }> };
    expect(next.choices[0]!.logprobs.text_offset).toEqual([5]);
  });

  it('never echoes on chat', () => {
    const chat = new EdgeWire({ endpoint: 'chat.completions', id: 'c', model: 'm', logprobs: null, echo: { text: 'p' } });
    expect(chat.echoChunk(done, undefined)).toBeNull();
  });
});
