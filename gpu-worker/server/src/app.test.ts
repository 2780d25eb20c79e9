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
    const bad = await app.request('/v1/completions', { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
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
