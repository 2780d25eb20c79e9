import { describe, expect, it } from 'vitest';
import {
  APIUserAbortError,
  type ChatCompletionChunk,
  Distillgate,
  type Fetch,
  InBandStreamError,
  StreamInterruptedError,
} from './index.ts';
import { sseBody } from './test-support.ts';

const chunk = (content: string) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
const usage = JSON.stringify({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  distillgate: { cost_micro_usd: 7, route: 'pool', model_version: 'm@1' },
});

function streamOf(body: ReadableStream<Uint8Array> | (() => ReadableStream<Uint8Array>), calls: { n: number } = { n: 0 }) {
  const fetch: Fetch = async () => {
    calls.n++;
    return new Response(typeof body === 'function' ? body() : body, {
      headers: { 'content-type': 'text/event-stream', 'x-request-id': 'rs', 'x-distillgate-route': 'pool' },
    });
  };
  return new Distillgate({ baseURL: 'http://gw.test', apiKey: 'k', fetch }).chat.completions.create({
    model: 'auto',
    messages: [{ role: 'user', content: 'x' }],
    stream: true,
  });
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ texts: string[]; error: unknown }> {
  const texts: string[] = [];
  try {
    for await (const c of stream) texts.push(c.choices[0]?.delta.content ?? '');
    return { texts, error: null };
  } catch (error) {
    return { texts, error };
  }
}

describe('Stream', () => {
  it('yields typed chunks and ends cleanly on [DONE], keeping usage and the distillgate extension', async () => {
    const stream = await streamOf(sseBody([chunk('a'), chunk('b'), usage, '[DONE]']));
    expect(stream.gateway).toMatchObject({ requestId: 'rs', route: 'pool' });
    expect(await collect(stream)).toEqual({ texts: ['a', 'b', ''], error: null });
    expect(stream.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect(stream.distillgate).toEqual({ cost_micro_usd: 7, route: 'pool', model_version: 'm@1' });
  });

  it('throws InBandStreamError on an error event, with its envelope and the request id', async () => {
    const event = JSON.stringify({ error: { message: 'cut', type: 'server_error', param: null, code: 'stream_truncated' } });
    const { texts, error } = await collect(await streamOf(sseBody([chunk('a'), event])));
    expect(texts).toEqual(['a']);
    expect(error).toBeInstanceOf(InBandStreamError);
    expect(error).toMatchObject({ code: 'stream_truncated', requestId: 'rs', error: { type: 'server_error' } });
  });

  it('throws StreamInterruptedError when the body ends or breaks before [DONE], and never retries', async () => {
    const calls = { n: 0 };
    const ended = await collect(await streamOf(() => sseBody([chunk('a')]), calls));
    expect(ended.error).toBeInstanceOf(StreamInterruptedError);
    const broken = await collect(await streamOf(() => sseBody([chunk('a')], true), calls));
    expect(broken.error).toBeInstanceOf(StreamInterruptedError);
    expect(broken.texts).toEqual(['a']);
    expect(calls.n).toBe(2);
  });

  it('abort() mid-stream ends the loop with APIUserAbortError and cancels the body', async () => {
    let cancelled = false;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode(`data: ${chunk('x')}\n\n`));
        return new Promise((r) => setTimeout(r, 5));
      },
      cancel() {
        cancelled = true;
      },
    });
    const stream = await streamOf(body);
    let n = 0;
    const result = (async () => {
      for await (const _ of stream) if (++n === 3) stream.abort();
    })();
    await expect(result).rejects.toBeInstanceOf(APIUserAbortError);
    expect(cancelled).toBe(true);
  });

  it('break closes the connection; a second iteration throws', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`data: ${chunk('a')}\n\ndata: ${chunk('b')}\n\n`));
      },
      cancel() {
        cancelled = true;
      },
    });
    const stream = await streamOf(body);
    for await (const _ of stream) break;
    expect(cancelled).toBe(true);
    await expect(collect(stream).then((r) => Promise.reject(r.error))).rejects.toThrow(/only once/);
  });
});
