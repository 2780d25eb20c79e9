/**
 * Edge serving inside the app (`app.request`, no process, no ORT): a scripted EdgeProvider and a
 * scripted pool member, to pin the failover and error mapping of edge attempts.
 */
import { parseConfig } from '@distillgate/config';
import { ContextLengthExceededError, EdgeOverloadedError, type GenerationEvent, type GenerationRequest } from '@distillgate/edge-model';
import { silentLogger, UpstreamRegistry } from '@distillgate/router';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { type EdgeGeneration, type EdgeModelInfo, type EdgeProvider, EdgeUnavailableError } from '../edge/provider.ts';

type Script = 'ok' | 'overloaded' | 'unavailable' | 'too-long' | 'fail-first' | 'fail-mid' | 'hang';

const confidence = { maxProb: 0.5, entropyNats: 1, top1Top2Margin: 0.1 };

/** Serves `student`, behaving as `script` says; records requests and aborts. */
class ScriptedEdge implements EdgeProvider {
  script: Script = 'ok';
  requests: GenerationRequest[] = [];
  aborted = 0;
  models(): EdgeModelInfo[] {
    return [{ id: 'student', version: 'v3', status: 'ready' }];
  }
  has(model: string): boolean {
    return model === 'student';
  }
  busy(): boolean {
    return false;
  }
  async generate(_model: string, request: GenerationRequest, signal: AbortSignal): Promise<EdgeGeneration> {
    this.requests.push(request);
    signal.addEventListener('abort', () => this.aborted++, { once: true });
    if (this.script === 'overloaded') throw new EdgeOverloadedError(1500, 1, 0);
    if (this.script === 'unavailable') throw new EdgeUnavailableError('student', "The edge model 'student' is unavailable.");
    if (this.script === 'too-long') throw new ContextLengthExceededError(70, 1, 64, 'messages');
    const script = this.script;
    async function* events(): AsyncGenerator<GenerationEvent> {
      if (script === 'fail-first') throw new Error('worker died');
      yield { type: 'token', index: 0, tokenId: 1, text: 'Hi', logprobs: null, confidence };
      if (script === 'fail-mid') throw new Error('worker died');
      if (script === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      yield { type: 'token', index: 1, tokenId: 2, text: ' there', logprobs: null, confidence };
      yield {
        type: 'done',
        finish_reason: 'stop',
        stop_reason: 'eos',
        text: '',
        usage: { prompt_tokens: 5, completion_tokens: 3 },
        timings: { queueMs: 0, prefillMs: 1, decodeMs: 1 },
      };
    }
    return { version: 'v3', events: events() };
  }
  async close(): Promise<void> {}
}

const poolBody = {
  id: 'up',
  object: 'chat.completion',
  created: 1,
  model: 'teacher',
  choices: [{ index: 0, message: { role: 'assistant', content: 'from the pool' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
};

function setup(withEdge = true) {
  const config = parseConfig({
    upstreams: [{ name: 'pool', baseUrl: 'http://pool.invalid/v1', models: ['teacher'] }],
    edge: { models: ['student'] },
    models: { auto: { targets: [{ edge: 'student' }, { upstream: 'pool' }] } },
    metering: { prices: { student: { inputUsdPerMTok: 10, outputUsdPerMTok: 100 } } },
  });
  const pooled: string[] = [];
  const registry = new UpstreamRegistry(config, () => async (url, init) => {
    pooled.push(url);
    if (!String(init.body).includes('"stream":true')) {
      return new Response(JSON.stringify(poolBody), { headers: { 'content-type': 'application/json' } });
    }
    const chunk = {
      ...poolBody,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: 'from the pool' }, finish_reason: 'stop' }],
    };
    return new Response(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`, { headers: { 'content-type': 'text/event-stream' } });
  });
  const edge = new ScriptedEdge();
  const app = createApp({ config, registry, logger: silentLogger, ...(withEdge ? { edge } : {}) });
  const send = (body: Record<string, unknown>, signal?: AbortSignal) =>
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], ...body }),
      ...(signal ? { signal } : {}),
    });
  return { app, edge, pooled, send };
}

describe('edge attempts in the app', () => {
  it('served by the edge: OpenAI body, route/model/cost headers', async () => {
    const { send, edge } = setup();
    const res = await send({ model: 'student', seed: 4, max_completion_tokens: 9 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-distillgate-route')).toBe('edge');
    expect(res.headers.get('x-distillgate-model')).toBe('student@v3');
    expect(res.headers.get('x-distillgate-cost-micro-usd')).toBe(String(5 * 10 + 3 * 100));
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ object: 'chat.completion', model: 'student', choices: [{ message: { content: 'Hi there' } }] });
    expect(edge.requests[0]).toMatchObject({ seed: 4, max_tokens: 9, messages: [{ role: 'user', content: 'hello' }] });
  });

  it.each([
    ['overloaded', 429, 'edge_overloaded'],
    ['unavailable', 503, 'model_unavailable'],
    ['too-long', 400, 'context_length_exceeded'],
  ] as const)('%s: the edge alone → %i %s; through the alias → the pool', async (script, status, code) => {
    const { send, edge, pooled } = setup();
    edge.script = script;
    const direct = await send({ model: 'student' });
    expect(direct.status).toBe(status);
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe(code);
    if (script === 'overloaded') expect(direct.headers.get('retry-after')).toBe('2');
    const viaAlias = await send({ model: 'auto' });
    expect(viaAlias.status).toBe(200);
    expect(viaAlias.headers.get('x-distillgate-route')).toBe('pool');
    expect(pooled).toHaveLength(1);
  });

  it('a request the edge cannot serve (n > 1) is 400 with param n, and goes to the pool through the alias', async () => {
    const { send, edge, pooled } = setup();
    const direct = await send({ model: 'student', n: 2 });
    expect(direct.status).toBe(400);
    expect(await direct.json()).toMatchObject({ error: { code: 'invalid_value', param: 'n' } });
    expect(edge.requests).toHaveLength(0);
    expect((await send({ model: 'auto', n: 2 })).headers.get('x-distillgate-route')).toBe('pool');
    expect(pooled).toHaveLength(1);
  });

  it('without an edge runtime, edge models are unavailable: 503 direct, the pool through the alias', async () => {
    const { send } = setup(false);
    expect((await send({ model: 'student' })).status).toBe(503);
    expect((await send({ model: 'auto' })).headers.get('x-distillgate-route')).toBe('pool');
  });

  it('a stream whose generation fails before its first event fails over to the pool', async () => {
    const { send, edge } = setup();
    edge.script = 'fail-first';
    const res = await send({ model: 'auto', stream: true });
    expect(res.headers.get('x-distillgate-route')).toBe('pool');
    expect(await res.text()).toContain('from the pool');
  });

  it('a failure after the first token ends the stream with one in-band error, no finish_reason, no [DONE]', async () => {
    const { send, edge } = setup();
    edge.script = 'fail-mid';
    const res = await send({ model: 'auto', stream: true });
    expect(res.headers.get('x-distillgate-route')).toBe('edge');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":"edge generation failed: worker died".*"code":"upstream_error"/);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toMatch(/"finish_reason":"(stop|length)"/);
  });

  it('the client going away aborts the generation', async () => {
    const { send, edge } = setup();
    edge.script = 'hang';
    const controller = new AbortController();
    const res = await send({ model: 'student', stream: true }, controller.signal);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('"content":"Hi"');
    controller.abort();
    await reader.cancel().catch(() => {});
    await expect.poll(() => edge.aborted).toBe(1);
  });
});
