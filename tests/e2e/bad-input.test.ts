/**
 * Request validation through the real gateway process: what reaches the upstream (normalised,
 * nothing invented) and the OpenAI error envelope with the precise `param` for what does not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatBody, conforms, expectError, type Json, post, REQUEST_TIMEOUT_MS, type Stack, startStack, withAuth } from './helpers.ts';

let stack: Stack;
let chatUrl: string;

beforeAll(async () => {
  stack = await startStack();
  chatUrl = `${stack.url}/v1/chat/completions`;
});
afterAll(() => stack?.stop());
beforeEach(() => stack.reset());

/** The body the upstream received for the only request so far. */
function upstreamBody(): Json {
  expect(stack.mocks[0]?.requests).toHaveLength(1);
  return stack.mocks[0]?.requests[0]?.body as Json;
}

function expectNoUpstreamRequest(): void {
  expect(stack.mocks.map((m) => m.requests.length)).toEqual([0, 0]);
}

async function okJson(res: Response): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as Json;
  conforms('CreateChatCompletionResponse', body);
  return body;
}

describe('content parts', () => {
  it('an array of text parts behaves exactly like the "\\n"-joined string', async () => {
    const parts = [
      { type: 'text', text: 'héllo 世界' },
      { type: 'text', text: 'second part' },
    ];
    const fromParts = await okJson(await post(chatUrl, { model: 'auto', messages: [{ role: 'user', content: parts }] }));
    const partsUpstream = upstreamBody();
    stack.reset();
    const fromString = await okJson(await post(chatUrl, chatBody({}, 'héllo 世界\nsecond part')));
    expect(partsUpstream.messages).toEqual([{ role: 'user', content: 'héllo 世界\nsecond part' }]);
    expect(upstreamBody()).toEqual(partsUpstream);
    expect(fromParts.choices).toEqual(fromString.choices);
  });

  it('an unknown part type is a 400 naming messages[i].content[j].type', async () => {
    const messages = [
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'hologram', hologram: {} },
        ],
      },
    ];
    await expectError(await post(chatUrl, { model: 'auto', messages }), 400, 'invalid_value', 'messages[1].content[1].type');
    expectNoUpstreamRequest();
  });
});

describe('stop', () => {
  it('a string, ≤ 4 strings, [] and null are accepted and reach the upstream normalised', async () => {
    const cases: Array<[unknown, string[] | undefined]> = [
      ['END', ['END']],
      [
        ['a', 'b', 'c', 'd'],
        ['a', 'b', 'c', 'd'],
      ],
      [[], undefined],
      [null, undefined],
    ];
    for (const [stop, expected] of cases) {
      stack.reset();
      await okJson(await post(chatUrl, chatBody({ stop })));
      const body = upstreamBody();
      if (expected === undefined) expect(body).not.toHaveProperty('stop');
      else expect(body.stop).toEqual(expected);
    }
  });

  it('5 entries, non-strings or an object are a 400 with param stop and nothing goes upstream', async () => {
    for (const stop of [['a', 'b', 'c', 'd', 'e'], [1, 2], ['ok', null], { seq: 'x' }, 42]) {
      await expectError(await post(chatUrl, chatBody({ stop })), 400, 'invalid_value', 'stop');
    }
    expectNoUpstreamRequest();
  });
});

describe('sampling fields', () => {
  const zeros = { temperature: 0, top_p: 0, seed: 0, presence_penalty: 0, frequency_penalty: 0 };

  it('explicit zeros reach the upstream unchanged; absent fields stay absent', async () => {
    await okJson(await post(chatUrl, chatBody(zeros)));
    expect(upstreamBody()).toEqual({ model: 'mock-model', messages: [{ role: 'user', content: 'hello there' }], ...zeros });

    stack.reset();
    await okJson(await post(chatUrl, chatBody()));
    expect(Object.keys(upstreamBody()).sort()).toEqual(['messages', 'model']);

    stack.reset();
    const res = await post(chatUrl, chatBody({ ...zeros, stream: true }));
    expect(res.status).toBe(200);
    await res.text();
    expect(upstreamBody()).toEqual({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'hello there' }],
      ...zeros,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('temperature 2.5 or -1 is a 400 with param temperature', async () => {
    for (const temperature of [2.5, -1]) {
      await expectError(await post(chatUrl, chatBody({ temperature })), 400, 'invalid_value', 'temperature');
    }
    expectNoUpstreamRequest();
  });
});

describe('messages', () => {
  const cases: Array<[string, Json, string, string]> = [
    ['empty', { messages: [] }, 'invalid_value', 'messages'],
    ['missing', {}, 'missing_required_parameter', 'messages'],
    ['null', { messages: null }, 'invalid_value', 'messages'],
    ['a number', { messages: 7 }, 'invalid_value', 'messages'],
    ['a message without content', { messages: [{ role: 'user' }] }, 'missing_required_parameter', 'messages[0].content'],
    [
      'an unknown role',
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'wizard', content: 'b' },
        ],
      },
      'invalid_value',
      'messages[1].role',
    ],
  ];

  it.each(cases)('%s → 400 with the precise param, as JSON even when stream is true', async (_name, fields, code, param) => {
    for (const stream of [false, true]) {
      const res = await post(chatUrl, { model: 'auto', stream, ...fields });
      expect(res.headers.get('content-type')).not.toMatch(/event-stream/);
      await expectError(res, 400, code, param);
    }
    expectNoUpstreamRequest();
  });
});

describe('body and content type', () => {
  it('malformed JSON, an empty body, non-object JSON and invalid UTF-8 are 400 JSON errors', async () => {
    const bodies: Array<string | Uint8Array> = [
      '{"model": "auto", "messages": [',
      '',
      '   ',
      '[{"model":"auto"}]',
      '"a string"',
      'null',
      new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"m":"\xff\xfe"}
    ];
    for (const body of bodies) await expectError(await post(chatUrl, body), 400, 'invalid_json', null);
    expectNoUpstreamRequest();
  });

  it('application/json with parameters or in upper case is accepted', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'APPLICATION/JSON']) {
      await okJson(await post(chatUrl, chatBody(), { headers: { 'content-type': contentType } }));
    }
  });

  it('text/plain or no content type is a 415', async () => {
    const body = JSON.stringify(chatBody());
    await expectError(await post(chatUrl, body, { headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    // bytes, unlike a string, make fetch send no content-type at all
    const bare = await fetch(chatUrl, {
      method: 'POST',
      headers: withAuth(),
      body: new TextEncoder().encode(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await expectError(bare, 415, 'unsupported_media_type');
    expectNoUpstreamRequest();
  });

  it('an unknown model is a 404 model_not_found with param model', async () => {
    await expectError(await post(chatUrl, chatBody({ model: 'no-such-model' })), 404, 'model_not_found', 'model');
    await expectError(await post(`${stack.url}/v1/completions`, { model: 'no-such-model', prompt: 'x' }), 404, 'model_not_found', 'model');
    expectNoUpstreamRequest();
  });
});

describe('hostile input (found by trying to break the gateway)', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('model %s is an unknown model, not a 500', async (model) => {
    await expectError(await post(chatUrl, chatBody({ model })), 404, 'model_not_found', 'model');
    expectNoUpstreamRequest();
  });

  it('a very long unknown model id is not echoed back in full', async () => {
    const error = await expectError(await post(chatUrl, chatBody({ model: 'x'.repeat(100_000) })), 404, 'model_not_found', 'model');
    expect(String(error.message).length).toBeLessThan(300);
  });

  it('JSON nested deeper than 64 levels is a 400 before any upstream call', async () => {
    const deep = `{"model":"auto","messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    await expectError(await post(chatUrl, deep), 400, 'invalid_json');
    expectNoUpstreamRequest();
  });

  it('deep brackets inside strings are not nesting', async () => {
    const text = '['.repeat(500);
    await okJson(await post(chatUrl, chatBody({}, text)));
  });

  it.each([
    ['a non-UTF-8 charset', { 'content-type': 'application/json; charset=latin1' }],
    ['a compressed body', { 'content-encoding': 'gzip' }],
  ])('%s is a 415', async (_name, headers) => {
    await expectError(await post(chatUrl, chatBody(), { headers }), 415, 'unsupported_media_type');
    expectNoUpstreamRequest();
  });

  it('the completion id is not the client-chosen x-request-id', async () => {
    const a = await okJson(await post(chatUrl, chatBody(), { headers: { 'x-request-id': 'same' } }));
    stack.reset();
    const b = await okJson(await post(chatUrl, chatBody(), { headers: { 'x-request-id': 'same' } }));
    expect(a.id).not.toBe(b.id);
  });
});
