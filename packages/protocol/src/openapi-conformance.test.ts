/**
 * Pins down what tests/support/openapi.ts enforces: the response components every part of the
 * gateway is checked against compile, minimal conforming bodies pass, and each required field is
 * really required. Skipped, with the reason printed, where the spec is absent (a user's clone).
 */
import { describe, expect, it } from 'vitest';
import { loadOpenApiValidator } from '../../../tests/support/openapi.ts';

const validator = loadOpenApiValidator();
if (!validator) console.warn('OpenAPI conformance skipped: ../shared/reference/openai-openapi/openapi.yaml is absent');

const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };

/** The smallest bodies the spec accepts, one per component. */
const minimal: Record<string, Record<string, unknown>> = {
  CreateChatCompletionResponse: {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: 'distillgate-student',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  },
  CreateChatCompletionStreamResponse: {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: 'distillgate-student',
    choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
  },
  CreateCompletionResponse: {
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1_760_000_000,
    model: 'distillgate-teacher',
    choices: [{ index: 0, text: 'hi', logprobs: null, finish_reason: 'length' }],
  },
  ErrorResponse: { error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } },
  Model: { id: 'distillgate-student', object: 'model', created: 1_760_000_000, owned_by: 'distillgate' },
  ListModelsResponse: { object: 'list', data: [] },
};

describe.skipIf(!validator)('OpenAPI response components (spec absent: skipped)', () => {
  const v = validator as NonNullable<typeof validator>;

  it.each(Object.keys(minimal))('%s: a minimal body passes, and every top-level field it has is required', (name) => {
    const body = minimal[name] as Record<string, unknown>;
    v.assert(name, body);
    for (const key of Object.keys(body)) {
      const { [key]: _dropped, ...without } = body;
      expect(v.validate(name, without).ok, `${name} without ${key}`).toBe(false);
    }
  });

  it('chat choices need index, message (role, content, refusal), logprobs and finish_reason', () => {
    const base = minimal.CreateChatCompletionResponse as { choices: Record<string, unknown>[] };
    const choice = base.choices[0] as Record<string, unknown>;
    for (const key of Object.keys(choice)) {
      const { [key]: _dropped, ...without } = choice;
      expect(v.validate('CreateChatCompletionResponse', { ...base, choices: [without] }).ok, key).toBe(false);
    }
    const message: Record<string, unknown> = { role: 'assistant', content: null, refusal: null };
    for (const key of Object.keys(message)) {
      const { [key]: _dropped, ...without } = message;
      expect(v.validate('CreateChatCompletionResponse', { ...base, choices: [{ ...choice, message: without }] }).ok, key).toBe(false);
    }
    expect(v.validate('CreateChatCompletionResponse', { ...base, choices: [{ ...choice, finish_reason: 'eos_token' }] }).ok).toBe(false);
  });

  it('stream chunks: finish_reason is required but nullable; usage optional, nullable, or complete', () => {
    const chunk = minimal.CreateChatCompletionStreamResponse as { choices: Record<string, unknown>[] };
    v.assert('CreateChatCompletionStreamResponse', { ...chunk, usage: null });
    v.assert('CreateChatCompletionStreamResponse', { ...chunk, choices: [], usage });
    const { finish_reason: _f, ...noFinish } = chunk.choices[0] as Record<string, unknown>;
    expect(v.validate('CreateChatCompletionStreamResponse', { ...chunk, choices: [noFinish] }).ok).toBe(false);
    expect(v.validate('CreateChatCompletionStreamResponse', { ...chunk, usage: { prompt_tokens: 1 } }).ok).toBe(false);
  });

  it('allows extra fields (x-distillgate data on usage, tokenizer_sha256 on models)', () => {
    v.assert('CreateChatCompletionStreamResponse', {
      ...minimal.CreateChatCompletionStreamResponse,
      choices: [],
      usage: { ...usage, distillgate: { cost_micro_usd: 12, route: 'edge', model_version: 'v1' } },
    });
    v.assert('ListModelsResponse', { object: 'list', data: [{ ...minimal.Model, tokenizer_sha256: 'ab' }] });
  });

  it('assert throws a readable message', () => {
    expect(() => v.assert('ErrorResponse', { error: { message: 'x' } })).toThrow(/ErrorResponse\/error must have required property 'type'/);
    expect(() => v.validate('NoSuchComponent', {})).toThrow(/no component schema/);
  });
});
