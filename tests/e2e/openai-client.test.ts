/**
 * The gateway through the official `openai` client (v6): chat and legacy completions, streamed
 * and not, and the model list — plus the headers every completion carries and the client's
 * credential never reaching an upstream.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../support/gateway-process.ts';
import {
  chatBody,
  conforms,
  type Json,
  post,
  REQUEST_TIMEOUT_MS,
  readSse,
  type Stack,
  startStack,
  streamedText,
  withAuth,
} from './helpers.ts';

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack();
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
});
afterAll(() => stack?.stop());
beforeEach(() => stack.reset());

const options = () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/** The headers DESIGN.md §5 puts on every completion. */
function expectServedHeaders(headers: Headers): void {
  expect(headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(headers.get('x-distillgate-route')).toBe('pool');
  expect(headers.get('x-distillgate-model')).toBe('mock-model@test');
}

describe('official openai client', () => {
  it('chat.completions.create, not streamed', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }] }, options())
      .withResponse();
    conforms('CreateChatCompletionResponse', data);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('mock-model');
    expect(data.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'echo: hello there' });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expectServedHeaders(response.headers);
    expect(response.headers.get('x-distillgate-cost-micro-usd')).toBe(String(2 * 1 + 3 * 2));
  });

  it('chat.completions.create, streamed (for await)', async () => {
    const { data: stream, response } = await client.chat.completions
      .create(
        { model: 'auto', messages: [{ role: 'user', content: 'stream me please' }], stream: true, stream_options: { include_usage: true } },
        options(),
      )
      .withResponse();
    expectServedHeaders(response.headers);
    const chunks: Json[] = [];
    for await (const chunk of stream) {
      conforms('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }
    expect(streamedText(chunks)).toBe('echo: stream me please');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
  });

  it('completions.create, not streamed', async () => {
    const data = await client.completions.create({ model: 'auto', prompt: 'legacy prompt', max_tokens: 2 }, options());
    conforms('CreateCompletionResponse', data);
    expect(data.object).toBe('text_completion');
    expect(data.choices[0]?.text).toBe('echo: legacy');
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(stack.mocks[0]?.requests[0]?.path).toBe('/v1/completions');
  });

  it('completions.create, streamed (for await)', async () => {
    const stream = await client.completions.create({ model: 'auto', prompt: 'legacy stream', stream: true }, options());
    const chunks: Json[] = [];
    for await (const chunk of stream) {
      // mid-stream legacy chunks have finish_reason null, which CreateCompletionResponse forbids
      if (chunk.choices[0]?.finish_reason) conforms('CreateCompletionResponse', chunk);
      chunks.push(chunk);
    }
    expect(streamedText(chunks)).toBe('echo: legacy stream');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('models.list', async () => {
    const page = await client.models.list(options());
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(['auto', 'solo', 'refused', 'mock-model', 'dead-model']);
    for (const model of page.data) conforms('Model', model);
    expect(page.data.find((m) => m.id === 'auto')?.owned_by).toBe('distillgate');
    expect(page.data.find((m) => m.id === 'mock-model')?.owned_by).toBe('mock0');
    const raw = await fetch(`${stack.url}/v1/models`, { ...options(), headers: withAuth() });
    conforms('ListModelsResponse', await raw.json());
  });

  it('API errors surface as the client’s typed errors', async () => {
    const err = await client.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, options())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('model');
  });
});

describe('headers on every completion', () => {
  it('a valid client request id is echoed as x-client-request-id; x-request-id is always ours and unique', async () => {
    const id = 'e2e-req:42.a_b';
    const plain = await post(`${stack.url}/v1/chat/completions`, chatBody(), { headers: { 'x-request-id': id } });
    expect(plain.status).toBe(200);
    conforms('CreateChatCompletionResponse', await plain.json());
    expectServedHeaders(plain.headers);
    expect(plain.headers.get('x-client-request-id')).toBe(id);
    const ours = plain.headers.get('x-request-id');
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    expect(plain.headers.get('x-distillgate-cost-micro-usd')).toMatch(/^\d+$/);

    const streamed = await post(`${stack.url}/v1/chat/completions`, chatBody({ stream: true }), { headers: { 'x-request-id': id } });
    await readSse(streamed);
    expectServedHeaders(streamed.headers);
    expect(streamed.headers.get('x-client-request-id')).toBe(id);
    expect(streamed.headers.get('x-request-id')).not.toBe(ours); // a repeated client id never shares our id

    const legacy = await post(`${stack.url}/v1/completions`, { model: 'auto', prompt: 'p' }, { headers: { 'x-request-id': id } });
    conforms('CreateCompletionResponse', await legacy.json());
    expectServedHeaders(legacy.headers);
    expect(legacy.headers.get('x-distillgate-cost-micro-usd')).toMatch(/^\d+$/);

    const failed = await post(`${stack.url}/v1/chat/completions`, chatBody({ model: 'nope' }), { headers: { 'x-request-id': id } });
    await failed.text();
    expect(failed.headers.get('x-client-request-id')).toBe(id);
    expect(failed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // the upstream sees our id, for tracing
    const upstreamIds = stack.mocks[0]?.requests.map((r) => r.headers['x-request-id']);
    expect(upstreamIds?.[0]).toBe(ours);
    expect(new Set(upstreamIds).size).toBe(3);
  });

  it('an invalid client x-request-id is replaced by a fresh one', async () => {
    const res = await post(`${stack.url}/v1/chat/completions`, chatBody(), { headers: { 'x-request-id': 'has spaces/and/slashes' } });
    await res.text();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the client's Authorization header is never forwarded upstream", async () => {
    await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'a' }] }, options());
    const stream = await client.chat.completions.create(
      { model: 'auto', messages: [{ role: 'user', content: 'b' }], stream: true },
      options(),
    );
    for await (const _ of stream) {
      // drain
    }
    await post(`${stack.url}/v1/completions`, { model: 'auto', prompt: 'c' }).then((r) => r.text());
    const requests = stack.mocks[0]?.requests ?? [];
    expect(requests).toHaveLength(3);
    for (const req of requests) {
      expect(req.headers.authorization).toBeUndefined();
      expect(JSON.stringify(req.headers)).not.toContain(TEST_API_KEY);
    }
  });
});
