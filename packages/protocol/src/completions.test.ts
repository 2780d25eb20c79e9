import { describe, expect, it } from 'vitest';
import { loadOpenApiValidator } from '../../../tests/support/openapi.ts';
import { parseCompletionRequest } from './completions.ts';
import { GatewayError } from './errors.ts';

const base = { model: 'distillgate-teacher', prompt: 'Once upon a time' };

function rejection(body: unknown): GatewayError {
  try {
    parseCompletionRequest(body);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

type Case = [name: string, body: unknown, param: string | null, code: string];

const badBodies: Case[] = [
  ['array body', [], null, 'invalid_json'],
  ['null body', null, null, 'invalid_json'],
  ['string body', '{}', null, 'invalid_json'],
  ['model absent', { prompt: 'x' }, 'model', 'missing_required_parameter'],
  ['prompt absent', { model: 'm' }, 'prompt', 'missing_required_parameter'],
  ['prompt null', { model: 'm', prompt: null }, 'prompt', 'invalid_value'],
  ['prompt number', { model: 'm', prompt: 5 }, 'prompt', 'invalid_value'],
  ['prompt object', { model: 'm', prompt: { text: 'x' } }, 'prompt', 'invalid_value'],
  ['prompt empty array', { model: 'm', prompt: [] }, 'prompt', 'invalid_value'],
  ['negative token id', { model: 'm', prompt: [1, -1] }, 'prompt[1]', 'invalid_value'],
  ['fractional token id', { model: 'm', prompt: [1, 2.5] }, 'prompt[1]', 'invalid_value'],
  ['empty token batch entry', { model: 'm', prompt: [[1], []] }, 'prompt[1]', 'invalid_value'],
  ['negative id in a batch', { model: 'm', prompt: [[1], [2, -3]] }, 'prompt[1][1]', 'invalid_value'],
  ['logprobs above 20', { ...base, logprobs: 21 }, 'logprobs', 'invalid_value'],
  ['logprobs boolean', { ...base, logprobs: true }, 'logprobs', 'invalid_value'],
  ['logprobs negative', { ...base, logprobs: -1 }, 'logprobs', 'invalid_value'],
  ['max_tokens negative', { ...base, max_tokens: -1 }, 'max_tokens', 'invalid_value'],
  ['max tokens disagree', { ...base, max_tokens: 0, max_completion_tokens: 1 }, 'max_completion_tokens', 'invalid_value'],
  ['echo string', { ...base, echo: 'true' }, 'echo', 'invalid_value'],
  ['best_of above 20', { ...base, best_of: 21 }, 'best_of', 'invalid_value'],
  ['suffix number', { ...base, suffix: 1 }, 'suffix', 'invalid_value'],
  ['temperature above 2', { ...base, temperature: 2.5 }, 'temperature', 'invalid_value'],
  ['top_p negative', { ...base, top_p: -0.5 }, 'top_p', 'invalid_value'],
  ['n above 128', { ...base, n: 500 }, 'n', 'invalid_value'],
  ['seed string', { ...base, seed: '1' }, 'seed', 'invalid_value'],
  ['stop with 5 entries', { ...base, stop: ['1', '2', '3', '4', '5'] }, 'stop', 'invalid_value'],
  ['stop with a null entry', { ...base, stop: [null] }, 'stop', 'invalid_value'],
  ['stream_options without stream', { ...base, stream_options: { include_usage: true } }, 'stream_options', 'invalid_value'],
];

describe('parseCompletionRequest rejects', () => {
  it.each(badBodies)('%s', (_name, body, param, code) => {
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect({ param: err.param, code: err.code }).toEqual({ param, code });
  });

  it('best_of below n', () => {
    expect(rejection({ ...base, best_of: 1, n: 3 }).param).toBe('best_of');
  });

  const validator = loadOpenApiValidator();
  it.skipIf(!validator)('produces error bodies that match the spec ErrorResponse (spec absent: skipped)', () => {
    for (const [, body] of badBodies) validator?.assert('ErrorResponse', rejection(body).toBody());
  });
});

describe('parseCompletionRequest accepts', () => {
  it('every prompt form', () => {
    for (const prompt of ['', 'text', ['a', 'b'], [0, 1, 50256], [[1, 2], [3]]]) {
      expect(parseCompletionRequest({ model: 'm', prompt }).prompt).toEqual(prompt);
    }
  });

  it('the teacher-scoring call of DESIGN.md §5 unchanged', () => {
    const body = {
      model: 'distillgate-teacher',
      prompt: [464, 2068, 7586],
      echo: true,
      logprobs: 20,
      max_tokens: 0,
      temperature: 0,
      return_tokens_as_token_ids: true,
    };
    expect(parseCompletionRequest(body)).toEqual(body);
    expect(parseCompletionRequest({ ...body, max_tokens: 1 }).max_tokens).toBe(1);
  });

  it('keeps zeros and adds no defaults', () => {
    const body = {
      ...base,
      temperature: 0,
      top_p: 0,
      seed: 0,
      presence_penalty: 0,
      frequency_penalty: 0,
      logprobs: 0,
      best_of: 0,
      echo: false,
    };
    expect(parseCompletionRequest(body)).toEqual(body);
    expect(parseCompletionRequest(base)).toEqual(base);
  });

  it('normalises stop, nulls and max_completion_tokens as chat does', () => {
    expect(parseCompletionRequest({ ...base, stop: 'END' }).stop).toEqual(['END']);
    expect(parseCompletionRequest({ ...base, stop: [], suffix: null, echo: null })).toEqual(base);
    const req = parseCompletionRequest({ ...base, max_completion_tokens: 0 });
    expect(req.max_tokens).toBe(0);
    expect(Object.hasOwn(req, 'max_completion_tokens')).toBe(false);
  });

  it('keeps unknown fields (vLLM extensions)', () => {
    const body = { ...base, top_k: 5, min_p: 0.1, prompt_logprobs: 3 };
    expect(parseCompletionRequest(body)).toEqual(body);
  });
});
