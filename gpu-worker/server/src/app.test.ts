/**
 * The worker's app in-process (`app.request`) over the test model on onnxruntime-node: health,
 * models, errors, the drain gate. The real process, streams and scoring parity: tests/e2e/gpu-worker.test.ts.
 */
import { testModelDir, testModelSkipReason } from '@distillgate/edge-model/test-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerApp, type WorkerState } from './app.ts';
import { loadEngine } from './execution-provider.ts';

const skipReason = testModelSkipReason();

describe.skipIf(skipReason !== null)('gpu-worker app', () => {
  let state: WorkerState;
  let app: ReturnType<typeof createWorkerApp>['app'];
  const post = (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const loaded = await loadEngine(await testModelDir(), { executionProvider: 'cpu' });
    state = { engine: loaded.engine, executionProvider: loaded.executionProvider, inFlight: 0, draining: false };
    app = createWorkerApp(state).app;
  }, 300_000);
  afterAll(async () => {
    await state?.engine.close();
  });

  it('reports health with the execution provider and model@version', async () => {
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', execution_provider: 'cpu', model: state.engine.modelId, running: 0, waiting: 0 });
  });

  it('scores a prompt with max_tokens 0 and counts it in /metrics', async () => {
    const res = await post('/v1/completions', {
      model: state.engine.manifest.name,
      prompt: [5, 6, 7],
      echo: true,
      logprobs: 1,
      max_tokens: 0,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-distillgate-model')).toBe(state.engine.modelId);
    const body = (await res.json()) as { choices: Array<{ logprobs: { token_logprobs: Array<number | null> } }>; usage: object };
    expect(body.choices[0]!.logprobs.token_logprobs).toHaveLength(3);
    expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 });
    expect(await (await app.request('/metrics')).text()).toMatch(/vllm:prompt_tokens_total\{[^}]*\} 3/);
    expect(state.inFlight).toBe(0);
  });

  it('answers errors in the OpenAI envelope', async () => {
    const unknown = await post('/v1/completions', { model: 'other', prompt: 'x' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    const bad = await app.request('/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(bad.status).toBe(400);
  });

  it('refuses what it cannot honour or afford: 415, 413, JSON mode, unknown sampling knobs, a prompt too long to tokenize', async () => {
    const model = state.engine.manifest.name;
    const code = async (res: Response) => ((await res.json()) as { error: { code: string; param: string | null } }).error;
    const plain = await app.request('/v1/completions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(plain.status).toBe(415);
    const huge = await post('/v1/completions', { model, prompt: 'x'.repeat(5 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect((await code(huge)).code).toBe('request_too_large');
    const json = await post('/v1/chat/completions', {
      model,
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_object' },
    });
    expect(json.status).toBe(400);
    expect(await code(json)).toMatchObject({ code: 'invalid_value', param: 'response_format' });
    for (const [field, value] of [
      ['return_tokens_as_token_ids', 'yes'],
      ['ignore_eos', true],
      ['min_tokens', 4],
      ['repetition_penalty', 1.2],
    ] as const) {
      const res = await post('/v1/completions', { model, prompt: 'x', [field]: value });
      expect(res.status, field).toBe(400);
      expect((await code(res)).param).toBe(field);
    }
    // 3 MB of text: refused from its length alone (each token covers a bounded number of bytes)
    const started = performance.now();
    const long = await post('/v1/completions', { model, prompt: 'ab '.repeat(1_000_000) });
    expect(long.status).toBe(400);
    expect(await code(long)).toMatchObject({ code: 'context_length_exceeded', param: 'prompt' });
    expect(performance.now() - started).toBeLessThan(2000); // tokenizing it all takes seconds
  });

  it('refuses new requests with 503 while draining', async () => {
    state.draining = true;
    try {
      const res = await post('/v1/completions', { model: state.engine.manifest.name, prompt: 'x' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await app.request('/health')).status).toBe(503);
    } finally {
      state.draining = false;
    }
  });
});
