/**
 * The edge model inside workerd: onnxruntime-web (WASM, one thread) in the isolate, model files in
 * the R2 binding `MODELS`. The files come from tests/workerd/model-server.ts (Node, loopback) and
 * are put into R2 here before the first request (code in workerd cannot read files). One file on
 * purpose: ORT's first load in an isolate takes 16–24 s, so every edge test shares it.
 *
 * Served models (vitest.config.ts bindings): `distillgate-student` (the committed student, else
 * the smoke model) and `distillgate-broken` (a model.onnx ORT cannot parse).
 */
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { EdgeUnavailableError } from '../../apps/gateway/src/edge/provider.ts';
import { createWorkersEdgeProvider, currentWorkersEdge } from '../../apps/gateway/src/edge/workerd/index.ts';
import { AUTH } from './dev-key.ts';

const STUDENT = 'distillgate-student';
const BROKEN = 'distillgate-broken';
const MB = 1024 * 1024;

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;
const bucket = (env as unknown as { MODELS: R2Bucket }).MODELS;
const skipReason = inject('edgeModelSkipReason');
const version = inject('studentVersion');

function post(path: string, body: unknown): Promise<Response> {
  return worker.fetch(
    new Request(`http://gateway${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify(body),
    }),
  );
}

interface ChatResponse {
  model: string;
  choices: Array<{ message: { content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Copies every object the model server lists into R2 (returns the keys). */
async function seedModels(): Promise<string[]> {
  const base = inject('modelServerUrl');
  const keys = (await (await fetch(`${base}/index.json`)).json()) as string[];
  for (const key of keys) await bucket.put(key, await (await fetch(`${base}/${key}`)).arrayBuffer());
  return keys;
}

/** A provider of its own over the same bucket (the isolate's ORT is shared), with captured logs. */
function ownProvider(channelsCheckMs = 0) {
  const logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    logs.push({ level, msg, ...(fields ? { fields } : {}) });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { provider: createWorkersEdgeProvider({ bucket, models: [STUDENT, BROKEN], channelsCheckMs, logger }), logs };
}

async function collectText(events: AsyncIterable<{ type: string; text: string }>): Promise<string> {
  let text = '';
  for await (const event of events) text += event.text;
  return text;
}

describe.skipIf(skipReason !== null)('edge model in workerd (R2 → onnxruntime-web)', () => {
  beforeAll(async () => {
    expect(await seedModels()).toContain(`${STUDENT}/channels.json`);
  });

  describe('through the gateway Worker', () => {
    it('routes the cascade alias `auto` in the isolate: kept drafts from the student, escalations answered by the pool', async () => {
      // the bundled config: auto = cascade (mean_margin, K 8, threshold 0.1209) over the student and `local` (the mock here)
      const threshold = 0.1209;
      for (const prompt of ['In the beginning God created the heaven and the earth.', 'zq xv 93 ##@ qqq kkk vvv']) {
        const res = await post('/v1/completions', { model: 'auto', prompt, max_tokens: 8, temperature: 0 });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-distillgate-policy')).toBe('cascade');
        const confidence = Number(res.headers.get('x-distillgate-confidence'));
        const body = (await res.json()) as { model: string; choices: Array<{ text: string }> };
        if (confidence >= threshold) {
          expect(res.headers.get('x-distillgate-route')).toBe('edge');
          expect(body.model).toBe(STUDENT);
        } else {
          expect(res.headers.get('x-distillgate-route')).toBe('escalated');
          expect(body.model).toBe('distillgate-teacher');
          expect(body.choices[0]?.text).toContain(prompt); // the mock pool echoes: only its answer reached the client
        }
      }
    });

    it('answers a non-streamed chat completion from the student, with the edge headers', async () => {
      const startedMs = Date.now();
      const res = await post('/v1/chat/completions', {
        model: STUDENT,
        messages: [{ role: 'user', content: 'Hello there' }],
        max_tokens: 16,
        seed: 7,
      });
      console.log(`first edge completion (ORT start + model load + generation): ${Date.now() - startedMs} ms`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-distillgate-route')).toBe('edge');
      expect(res.headers.get('x-distillgate-model')).toBe(`${STUDENT}@${version}`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const body = (await res.json()) as ChatResponse;
      expect(body.model).toBe(STUDENT);
      expect(typeof body.choices[0]?.message.content).toBe('string');
      expect(['stop', 'length']).toContain(body.choices[0]?.finish_reason);
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
      expect(body.usage.completion_tokens).toBeLessThanOrEqual(16);
    });

    it('streams a chat completion: one chunk per token, the usage, exactly one [DONE]', async () => {
      const res = await post('/v1/chat/completions', {
        model: STUDENT,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Tell me a story' }],
        max_tokens: 12,
        seed: 3,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('x-distillgate-route')).toBe('edge');
      expect(res.headers.get('x-distillgate-model')).toBe(`${STUDENT}@${version}`);
      const data = (await res.text())
        .split('\n\n')
        .filter((e) => e.startsWith('data: '))
        .map((e) => e.slice('data: '.length));
      expect(data.at(-1)).toBe('[DONE]');
      expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
      const chunks = data
        .slice(0, -1)
        .map((d) => JSON.parse(d) as { choices: Array<{ finish_reason: string | null }>; usage?: ChatResponse['usage'] });
      const usage = chunks.at(-1)?.usage;
      expect(usage?.completion_tokens).toBeGreaterThan(0);
      expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop' || c.choices[0]?.finish_reason === 'length')).toBe(true);
    });

    it('lists the broken model as unavailable once it failed, and answers it with 503 model_unavailable', async () => {
      const res = await post('/v1/chat/completions', { model: BROKEN, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(body.error.code).toBe('model_unavailable');
      expect(body.error.type).toBe('server_error');
      const models = (await (await worker.fetch(new Request('http://gateway/v1/models', { headers: AUTH }))).json()) as {
        data: Array<{ id: string }>;
      };
      expect(models.data.find((m) => m.id === BROKEN)).toMatchObject({ object: 'model', status: 'unavailable', version: 'garbage' });
      expect(models.data.find((m) => m.id === STUDENT)).toMatchObject({ object: 'model', status: 'ready', version });
      expect(
        currentWorkersEdge()!
          .models()
          .find((m) => m.id === BROKEN)?.error,
      ).toMatch(/protobuf|session/i);
    });

    it('follows channels.json: a new live version (new R2 etag) is served within the check interval', async () => {
      const next = `${version}-next`;
      for (const file of ['model.onnx', 'tokenizer.json', 'manifest.json']) {
        const object = await bucket.get(`${STUDENT}/${version}/${file}`);
        await bucket.put(`${STUDENT}/${next}/${file}`, await object!.arrayBuffer());
      }
      const previous = await (await bucket.get(`${STUDENT}/channels.json`))!.text();
      await bucket.put(`${STUDENT}/channels.json`, JSON.stringify({ live: next, canary: null }));
      try {
        await new Promise((resolve) => setTimeout(resolve, 600)); // > DISTILLGATE__EDGE__CHANNELS_CHECK_MS
        const res = await post('/v1/chat/completions', { model: STUDENT, messages: [{ role: 'user', content: 'again' }], max_tokens: 4 });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-distillgate-model')).toBe(`${STUDENT}@${next}`);
        await res.arrayBuffer();
      } finally {
        await bucket.put(`${STUDENT}/channels.json`, previous);
      }
      await new Promise((resolve) => setTimeout(resolve, 600));
      const back = await post('/v1/chat/completions', { model: STUDENT, messages: [{ role: 'user', content: 'back' }], max_tokens: 4 });
      expect(back.headers.get('x-distillgate-model')).toBe(`${STUDENT}@${version}`);
      await back.arrayBuffer();
    });
  });

  describe('the Workers EdgeProvider', () => {
    it('reports the gateway isolate provider (one per isolate, built by worker.ts)', () => {
      const provider = currentWorkersEdge();
      expect(provider?.has(STUDENT)).toBe(true);
      expect(provider?.memory(STUDENT)?.modelBytes).toBeGreaterThan(0);
    });

    it('loads once for concurrent first requests, all served by the same version', async () => {
      const { provider, logs } = ownProvider();
      expect(provider.models().find((m) => m.id === STUDENT)?.status).toBe('not_loaded');
      const generations = await Promise.all(
        [1, 2, 3].map((seed) =>
          provider.generate(STUDENT, { prompt: 'Once upon a time', max_tokens: 8, seed }, new AbortController().signal),
        ),
      );
      expect(generations.map((g) => g.version)).toEqual([version, version, version]);
      const texts = await Promise.all(generations.map((g) => collectText(g.events)));
      expect(texts).toHaveLength(3);
      expect(logs.filter((l) => l.msg === 'edge model loaded')).toHaveLength(1);
      expect(provider.models().find((m) => m.id === STUDENT)).toMatchObject({ status: 'ready', version });
      await provider.close();
    });

    it('marks a model ORT cannot start unavailable, throws EdgeUnavailableError, and logs the failure once', async () => {
      const { provider, logs } = ownProvider();
      const attempt = () => provider.generate(BROKEN, { prompt: 'hi', max_tokens: 2 }, new AbortController().signal);
      await expect(attempt()).rejects.toBeInstanceOf(EdgeUnavailableError);
      await expect(attempt()).rejects.toBeInstanceOf(EdgeUnavailableError);
      const info = provider.models().find((m) => m.id === BROKEN);
      expect(info).toMatchObject({ status: 'unavailable', version: 'garbage' });
      expect(info?.error).toMatch(/session|protobuf|model/i);
      expect(logs.filter((l) => l.level === 'error')).toHaveLength(1);
      await provider.close();
    });

    it('keeps ORT linear memory + model and tokenizer bytes ≤ 96 MB after a 256-token generation', async () => {
      const { provider } = ownProvider();
      const signal = new AbortController().signal;
      await collectText((await provider.generate(STUDENT, { prompt: 'x', max_tokens: 1 }, signal)).events); // loads it
      const contextLength = provider.models().find((m) => m.id === STUDENT)?.contextLength ?? 0;
      // A 1-token prompt (empty → end-of-text) and 256 completion tokens, or as many as the context
      // holds; sampled seeds until one is not cut short by end-of-text.
      const maxTokens = Math.min(256, contextLength - 1);
      let done: { completion: number; prompt: number; finish: string } | null = null;
      for (let seed = 1; seed <= 8 && done?.finish !== 'length'; seed++) {
        const { events } = await provider.generate(STUDENT, { prompt: '', seed, temperature: 1, max_tokens: maxTokens }, signal);
        for await (const event of events) {
          if (event.type === 'done')
            done = { completion: event.usage.completion_tokens, prompt: event.usage.prompt_tokens, finish: event.finish_reason };
        }
      }
      expect(done?.finish).toBe('length');
      expect(done!.prompt).toBe(1);
      expect(done!.completion).toBe(maxTokens);
      const memory = provider.memory(STUDENT)!;
      const wasm = memory.afterGeneration!.wasmBytes!;
      const total = wasm + memory.modelBytes + memory.tokenizerBytes;
      // ORT's linear memory is isolate-wide and only grows: earlier tests' sessions count here too.
      console.log(
        `edge memory: ORT wasm ` +
          `${(memory.wasmAfterSessionBytes! / MB).toFixed(1)} MiB after this provider's session, ` +
          `${(wasm / MB).toFixed(1)} MiB after ${done!.completion} tokens (context ${contextLength}); ` +
          `model ${(memory.modelBytes / MB).toFixed(2)} MiB + tokenizer ${(memory.tokenizerBytes / MB).toFixed(2)} MiB; ` +
          `total ${(total / MB).toFixed(1)} MiB`,
      );
      expect(memory.wasmAfterSessionBytes).toBeGreaterThan(0);
      expect(wasm).toBeGreaterThanOrEqual(memory.wasmAfterSessionBytes!);
      expect(total).toBeLessThanOrEqual(96 * MB);
      await provider.close();
    });
  });
});

if (skipReason !== null) {
  describe('edge model in workerd', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
