import { describe, expect, it } from 'vitest';
import { loadOpenApiValidator } from '../../../tests/support/openapi.ts';
import { parseChatCompletionRequest } from './chat.ts';
import { GatewayError } from './errors.ts';

const user = { role: 'user', content: 'hi' };
const base = { model: 'distillgate-student', messages: [user] };

/** The GatewayError `parse` throws for `body`; fails the test if it does not throw one. */
function rejection(body: unknown): GatewayError {
  try {
    parseChatCompletionRequest(body);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

type Case = [name: string, body: unknown, param: string | null, code: string];

const badBodies: Case[] = [
  ['array body', [base], null, 'invalid_json'],
  ['string body', 'hello', null, 'invalid_json'],
  ['null body', null, null, 'invalid_json'],
  ['number body', 42, null, 'invalid_json'],
  ['model absent', { messages: [user] }, 'model', 'missing_required_parameter'],
  ['model empty', { ...base, model: '' }, 'model', 'invalid_value'],
  ['model number', { ...base, model: 7 }, 'model', 'invalid_value'],
  ['messages absent', { model: 'm' }, 'messages', 'missing_required_parameter'],
  ['messages null', { model: 'm', messages: null }, 'messages', 'invalid_value'],
  ['messages number', { model: 'm', messages: 3 }, 'messages', 'invalid_value'],
  ['messages object', { model: 'm', messages: { role: 'user' } }, 'messages', 'invalid_value'],
  ['messages empty', { model: 'm', messages: [] }, 'messages', 'invalid_value'],
  ['message not an object', { model: 'm', messages: [user, 'hi'] }, 'messages[1]', 'invalid_value'],
  ['unknown role', { model: 'm', messages: [user, { role: 'bot', content: 'x' }] }, 'messages[1].role', 'invalid_value'],
  ['role absent', { model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role', 'missing_required_parameter'],
  ['user content absent', { model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content', 'missing_required_parameter'],
  ['user content null', { model: 'm', messages: [{ role: 'user', content: null }] }, 'messages[0].content', 'invalid_value'],
  ['system content absent', { model: 'm', messages: [{ role: 'system' }] }, 'messages[0].content', 'missing_required_parameter'],
  ['developer content null', { model: 'm', messages: [{ role: 'developer', content: null }] }, 'messages[0].content', 'invalid_value'],
  [
    'tool content absent',
    { model: 'm', messages: [{ role: 'tool', tool_call_id: 'c1' }] },
    'messages[0].content',
    'missing_required_parameter',
  ],
  [
    'tool_call_id absent',
    { model: 'm', messages: [{ role: 'tool', content: 'r' }] },
    'messages[0].tool_call_id',
    'missing_required_parameter',
  ],
  [
    'function name absent',
    { model: 'm', messages: [{ role: 'function', content: 'r' }] },
    'messages[0].name',
    'missing_required_parameter',
  ],
  ['content number', { model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', 'invalid_value'],
  ['content empty array', { model: 'm', messages: [{ role: 'user', content: [] }] }, 'messages[0].content', 'invalid_value'],
  [
    'assistant content absent',
    { model: 'm', messages: [user, { role: 'assistant' }] },
    'messages[1].content',
    'missing_required_parameter',
  ],
  [
    'assistant content null',
    { model: 'm', messages: [user, { role: 'assistant', content: null }] },
    'messages[1].content',
    'invalid_value',
  ],
  [
    'assistant empty tool_calls',
    { model: 'm', messages: [{ role: 'assistant', tool_calls: [] }] },
    'messages[0].content',
    'missing_required_parameter',
  ],
  [
    'unknown part type',
    {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'video', video: {} },
          ],
        },
      ],
    },
    'messages[0].content[1].type',
    'invalid_value',
  ],
  [
    'part type absent',
    { model: 'm', messages: [{ role: 'user', content: [{ text: 'a' }] }] },
    'messages[0].content[0].type',
    'missing_required_parameter',
  ],
  [
    'text part without text',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    'messages[0].content[0].text',
    'missing_required_parameter',
  ],
  [
    'text part text number',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] },
    'messages[0].content[0].text',
    'invalid_value',
  ],
  [
    'image part on system',
    { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
    'messages[0].content[0].type',
    'invalid_value',
  ],
  [
    'refusal part on user',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'refusal', refusal: 'no' }] }] },
    'messages[0].content[0].type',
    'invalid_value',
  ],
  [
    'image part without url',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
    'messages[0].content[0].image_url.url',
    'missing_required_parameter',
  ],
  [
    'audio part bad format',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'ogg' } }] }] },
    'messages[0].content[0].input_audio.format',
    'invalid_value',
  ],
  ['temperature above 2', { ...base, temperature: 2.01 }, 'temperature', 'invalid_value'],
  ['temperature below 0', { ...base, temperature: -0.1 }, 'temperature', 'invalid_value'],
  ['temperature string', { ...base, temperature: '1' }, 'temperature', 'invalid_value'],
  ['top_p above 1', { ...base, top_p: 1.5 }, 'top_p', 'invalid_value'],
  ['presence_penalty below -2', { ...base, presence_penalty: -2.5 }, 'presence_penalty', 'invalid_value'],
  ['frequency_penalty above 2', { ...base, frequency_penalty: 3 }, 'frequency_penalty', 'invalid_value'],
  ['n zero', { ...base, n: 0 }, 'n', 'invalid_value'],
  ['n above 128', { ...base, n: 129 }, 'n', 'invalid_value'],
  ['n fractional', { ...base, n: 1.5 }, 'n', 'invalid_value'],
  ['seed fractional', { ...base, seed: 1.5 }, 'seed', 'invalid_value'],
  ['seed beyond safe integers', { ...base, seed: 2 ** 60 }, 'seed', 'invalid_value'],
  ['max_tokens zero', { ...base, max_tokens: 0 }, 'max_tokens', 'invalid_value'],
  ['max_tokens negative', { ...base, max_tokens: -5 }, 'max_tokens', 'invalid_value'],
  ['max_tokens fractional', { ...base, max_tokens: 2.5 }, 'max_tokens', 'invalid_value'],
  ['max_completion_tokens zero', { ...base, max_completion_tokens: 0 }, 'max_completion_tokens', 'invalid_value'],
  ['max tokens disagree', { ...base, max_tokens: 10, max_completion_tokens: 11 }, 'max_completion_tokens', 'invalid_value'],
  ['logprobs number', { ...base, logprobs: 5 }, 'logprobs', 'invalid_value'],
  ['top_logprobs above 20', { ...base, logprobs: true, top_logprobs: 21 }, 'top_logprobs', 'invalid_value'],
  ['top_logprobs without logprobs', { ...base, top_logprobs: 2 }, 'top_logprobs', 'invalid_value'],
  ['top_logprobs with logprobs false', { ...base, logprobs: false, top_logprobs: 0 }, 'top_logprobs', 'invalid_value'],
  ['stream string', { ...base, stream: 'yes' }, 'stream', 'invalid_value'],
  ['stream_options without stream', { ...base, stream_options: { include_usage: true } }, 'stream_options', 'invalid_value'],
  [
    'stream_options with stream false',
    { ...base, stream: false, stream_options: { include_usage: true } },
    'stream_options',
    'invalid_value',
  ],
  ['stream_options not an object', { ...base, stream: true, stream_options: true }, 'stream_options', 'invalid_value'],
  [
    'include_usage string',
    { ...base, stream: true, stream_options: { include_usage: 'yes' } },
    'stream_options.include_usage',
    'invalid_value',
  ],
  ['stop with 5 entries', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'invalid_value'],
  ['stop with a number entry', { ...base, stop: ['a', 1] }, 'stop', 'invalid_value'],
  ['stop object', { ...base, stop: { a: 1 } }, 'stop', 'invalid_value'],
  ['stop number', { ...base, stop: 3 }, 'stop', 'invalid_value'],
  ['logit_bias non-integer', { ...base, logit_bias: { '50256': 'x' } }, 'logit_bias.50256', 'invalid_value'],
  ['tools not an array', { ...base, tools: {} }, 'tools', 'invalid_value'],
  ['tool_choice unknown string', { ...base, tool_choice: 'sometimes' }, 'tool_choice', 'invalid_value'],
];

describe('parseChatCompletionRequest rejects', () => {
  it.each(badBodies)('%s', (_name, body, param, code) => {
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect({ param: err.param, code: err.code }).toEqual({ param, code });
    expect(err.message.length).toBeGreaterThan(0);
  });

  it.each([
    ['top_k not an integer', { ...base, top_k: 'many' }, 'top_k'],
    ['top_k below -1', { ...base, top_k: -2 }, 'top_k'],
    ['logit_bias out of [-100, 100]', { ...base, logit_bias: { '5': 1e9 } }, 'logit_bias.5'],
    ['logit_bias key not a token id', { ...base, logit_bias: { a: 1 } }, 'logit_bias.a'],
    ['response_format of an unknown type', { ...base, response_format: { type: 'yaml' } }, 'response_format.type'],
  ])('%s', (_name, body, param) => {
    expect(rejection(body).param).toBe(param);
  });

  it('reports only the first problem', () => {
    const err = rejection({ model: 'm', messages: [{ role: 'user' }], temperature: 9 });
    expect(err.param).toBe('messages[0].content');
  });

  it('says what it expected, in an OpenAI-style message', () => {
    expect(rejection({ ...base, temperature: 3 }).message).toBe("Invalid value for 'temperature': must be <= 2, got number 3.");
    expect(rejection({ model: 'm' }).message).toBe("Missing required parameter: 'messages'.");
    expect(rejection({ model: 'm', messages: [{ role: 'bot', content: '' }] }).message).toContain("got 'bot'");
    expect(rejection({ ...base, stop: ['a', 1] }).message).toContain('stop[1]');
  });

  const validator = loadOpenApiValidator();
  it.skipIf(!validator)('produces error bodies that match the spec ErrorResponse (spec absent: skipped)', () => {
    for (const [, body] of badBodies) validator?.assert('ErrorResponse', rejection(body).toBody());
  });
});

describe('parseChatCompletionRequest accepts', () => {
  it('keeps zeros, false and empty strings exactly as given', () => {
    const body = {
      ...base,
      temperature: 0,
      top_p: 0,
      seed: 0,
      presence_penalty: 0,
      frequency_penalty: 0,
      logprobs: false,
      stream: false,
      user: '',
      messages: [{ role: 'user', content: '' }],
    };
    expect(parseChatCompletionRequest(body)).toEqual(body);
  });

  it('adds no defaults: absent stays absent', () => {
    const req = parseChatCompletionRequest(base);
    expect(req).toEqual(base);
    for (const key of ['temperature', 'top_p', 'n', 'max_tokens', 'stop', 'stream', 'logprobs', 'seed']) {
      expect(Object.hasOwn(req, key)).toBe(false);
    }
  });

  it('accepts boundary values', () => {
    const body = { ...base, temperature: 2, top_p: 1, presence_penalty: -2, frequency_penalty: 2, n: 128, seed: -(2 ** 53 - 1) };
    expect(parseChatCompletionRequest(body)).toEqual(body);
    expect(parseChatCompletionRequest({ ...base, logprobs: true, top_logprobs: 20 }).top_logprobs).toBe(20);
    expect(parseChatCompletionRequest({ ...base, logprobs: true, top_logprobs: 0 }).top_logprobs).toBe(0);
  });

  it('removes nulls of nullable fields (null means "default" in the spec)', () => {
    const req = parseChatCompletionRequest({ ...base, temperature: null, max_tokens: null, stream_options: null, logprobs: null, n: null });
    expect(req).toEqual(base);
  });

  it('keeps unknown fields, top-level and nested, unchanged', () => {
    const body = {
      ...base,
      top_k: 40,
      return_tokens_as_token_ids: true,
      chat_template_kwargs: { enable_thinking: false },
      messages: [{ role: 'user', content: 'hi', reasoning_content: 'r' }],
    };
    expect(parseChatCompletionRequest(body)).toEqual(body);
  });

  it('does not mutate the input', () => {
    const body = { ...base, stop: 'x', max_completion_tokens: 4, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }] }] };
    const copy = structuredClone(body);
    parseChatCompletionRequest(body);
    expect(body).toEqual(copy);
  });

  it('accepts every role and part kind the spec allows', () => {
    const messages = [
      { role: 'developer', content: [{ type: 'text', text: 'be brief' }] },
      { role: 'system', content: 'sys' },
      {
        role: 'user',
        name: 'ann',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          { type: 'file', file: { file_id: 'file-1' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'result' },
      { role: 'assistant', function_call: { name: 'f', arguments: '{}' } },
      { role: 'function', name: 'f', content: null },
      { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
      { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
    ];
    const parsed = parseChatCompletionRequest({ model: 'm', messages }).messages;
    expect(parsed).toEqual([{ role: 'developer', content: 'be brief' }, ...messages.slice(1)]);
  });
});

describe('parseChatCompletionRequest normalises', () => {
  it('stop: a string becomes [string]; arrays stay; null and [] are removed', () => {
    expect(parseChatCompletionRequest({ ...base, stop: '\n' }).stop).toEqual(['\n']);
    expect(parseChatCompletionRequest({ ...base, stop: '' }).stop).toEqual(['']);
    expect(parseChatCompletionRequest({ ...base, stop: ['a', 'b', 'c', 'd'] }).stop).toEqual(['a', 'b', 'c', 'd']);
    expect(Object.hasOwn(parseChatCompletionRequest({ ...base, stop: null }), 'stop')).toBe(false);
    expect(Object.hasOwn(parseChatCompletionRequest({ ...base, stop: [] }), 'stop')).toBe(false);
  });

  it('max_completion_tokens is read as max_tokens', () => {
    const only = parseChatCompletionRequest({ ...base, max_completion_tokens: 7 });
    expect(only.max_tokens).toBe(7);
    expect(Object.hasOwn(only, 'max_completion_tokens')).toBe(false);
    const both = parseChatCompletionRequest({ ...base, max_tokens: 7, max_completion_tokens: 7 });
    expect(both.max_tokens).toBe(7);
    expect(Object.hasOwn(both, 'max_completion_tokens')).toBe(false);
    expect(parseChatCompletionRequest({ ...base, max_tokens: 9 }).max_tokens).toBe(9);
    expect(parseChatCompletionRequest({ ...base, max_tokens: null, max_completion_tokens: 3 }).max_tokens).toBe(3);
  });

  it('joins an array of only text parts with "\\n"; keeps arrays with other parts', () => {
    const textOnly = parseChatCompletionRequest({
      model: 'm',
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'only' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'x' },
            { type: 'text', text: '' },
          ],
        },
      ],
    });
    expect(textOnly.messages.map((m) => m.content)).toEqual(['a\nb', 'only', 'x\n']);
    const image = { type: 'image_url', image_url: { url: 'https://example.com/a.png' } };
    const mixed = parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, image] }] });
    expect(mixed.messages[0]?.content).toEqual([{ type: 'text', text: 'a' }, image]);
  });

  it('keeps stream_options when stream is true', () => {
    const req = parseChatCompletionRequest({ ...base, stream: true, stream_options: { include_usage: true } });
    expect(req.stream_options).toEqual({ include_usage: true });
  });
});
