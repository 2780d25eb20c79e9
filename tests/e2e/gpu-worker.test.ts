/**
 * The gpu-worker as a real process on loopback, serving the committed teacher on onnxruntime-node: the official `openai` client (chat and legacy, streamed and not),
 * the teacher-scoring contract of DESIGN.md §5 checked against an independent onnxruntime-node
 * session on the same model.onnx, the bounded queue's 429, vLLM's metric names, and the SIGTERM drain.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuWorkerProcess, startGpuWorkerProcess } from '../support/gpu-worker-process.ts';
import { edgeSkipReason } from './edge-models.ts';
import { conforms, expectCleanEnd, expectError, type Json, post, REQUEST_TIMEOUT_MS, readSse, streamedText } from './helpers.ts';

const skipReason = edgeSkipReason();
const ROOT = new URL('../..', import.meta.url).pathname;
const MODELS = join(ROOT, 'models');
const TEACHER = 'distillgate-teacher';
const liveDir = () => {
  const { live } = JSON.parse(readFileSync(join(MODELS, TEACHER, 'channels.json'), 'utf8')) as { live: string };
  return join(MODELS, TEACHER, live);
};
const options = () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/** log_softmax of one row, in float64. */
function logSoftmax(row: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const shift = max + Math.log(sum);
  return Float64Array.from(row, (x) => x - shift);
}

/** The prefill logits [S, V] of `ids` from a fresh InferenceSession (no engine code involved). */
async function referenceLogits(modelPath: string, ids: number[]): Promise<{ rows: Float32Array[]; vocab: number }> {
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  try {
    const S = ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    };
    if (session.inputNames.includes('position_ids')) {
      feeds.position_ids = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: S }, (_, i) => BigInt(i)),
        [1, S],
      );
    }
    for (const meta of session.inputMetadata) {
      if (!meta.name.startsWith('past_key_values.') || !meta.isTensor) continue;
      const [, heads, , headDim] = meta.shape as [unknown, number, unknown, number];
      feeds[meta.name] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
    }
    const logits = (await session.run(feeds)).logits!;
    const vocab = logits.dims[2]!;
    const data = logits.data as Float32Array;
    return { rows: Array.from({ length: S }, (_, i) => data.slice(i * vocab, (i + 1) * vocab)), vocab };
  } finally {
    await session.release();
  }
}

describe.skipIf(skipReason !== null)('gpu-worker serving the teacher', () => {
  let worker: GpuWorkerProcess;
  let client: OpenAI;

  beforeAll(async () => {
    worker = await startGpuWorkerProcess(['--models-dir', MODELS, '--model', TEACHER]);
    client = new OpenAI({ baseURL: `${worker.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
  });

  it('reports its execution provider and model in /health and the start log', async () => {
    const health = (await (await fetch(`${worker.url}/health`, options())).json()) as Json;
    expect(health).toMatchObject({ status: 'ok', model: `${TEACHER}@${liveDir().split('/').at(-1)}`, running: 0, waiting: 0 });
    expect(['cpu', 'cuda']).toContain(health.execution_provider);
    expect(worker.logs.some((l) => l.includes('"execution_provider"'))).toBe(true);
  });

  it('lists the model with tokenizer_sha256 from the manifest', async () => {
    const manifest = JSON.parse(readFileSync(join(liveDir(), 'manifest.json'), 'utf8')) as Json;
    const list = await client.models.list(options());
    conforms('ListModelsResponse', { object: 'list', data: list.data });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ id: TEACHER, tokenizer_sha256: manifest.tokenizer_sha256 });
  });

  it('answers chat and legacy completions through the openai client, streamed and not', async () => {
    const messages = [{ role: 'user' as const, content: 'And God said' }];
    const chat = await client.chat.completions.create({ model: TEACHER, messages, max_tokens: 8, temperature: 0 }, options());
    conforms('CreateChatCompletionResponse', chat);
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    let streamed = '';
    const stream = await client.chat.completions.create(
      { model: TEACHER, messages, max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } },
      options(),
    );
    let usage: Json | undefined;
    for await (const chunk of stream) {
      conforms('CreateChatCompletionStreamResponse', chunk);
      streamed += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(streamed).toBe(chat.choices[0]?.message.content);
    expect(usage).toEqual(chat.usage);

    const legacy = await client.completions.create(
      { model: TEACHER, prompt: 'In the beginning', max_tokens: 8, temperature: 0, logprobs: 3 },
      options(),
    );
    conforms('CreateCompletionResponse', legacy);
    expect(legacy.choices[0]?.logprobs?.tokens).toHaveLength(legacy.usage!.completion_tokens);
    const legacyStream = await client.completions.create(
      { model: TEACHER, prompt: 'In the beginning', max_tokens: 8, temperature: 0, stream: true },
      options(),
    );
    let text = '';
    for await (const chunk of legacyStream) {
      // the spec's CreateCompletionResponse has no stream variant: a non-final chunk's finish_reason is null
      if (chunk.choices[0]?.finish_reason) conforms('CreateCompletionResponse', chunk);
      text += chunk.choices[0]?.text ?? '';
    }
    expect(text).toBe(legacy.choices[0]?.text);
  });

  it('scores token ids with echo: prompt logprobs and top-20 match log-softmax of an independent ORT session (1e-4)', async () => {
    const ids = [464, 1000, 262, 3290, 286, 1100, 11, 290, 4095, 12];
    for (const maxTokens of [0, 1]) {
      const res = await post(`${worker.url}/v1/completions`, {
        model: TEACHER,
        prompt: ids,
        echo: true,
        logprobs: 20,
        max_tokens: maxTokens,
        temperature: 0,
        return_tokens_as_token_ids: true,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      const lp = body.choices[0].logprobs as Json;
      // the echoed first token has null logprobs (OpenAI's and vLLM's answer; the spec has no null there)
      const { tokens, token_logprobs, top_logprobs, text_offset } = lp;
      const rest = {
        tokens: tokens.slice(1),
        token_logprobs: token_logprobs.slice(1),
        top_logprobs: top_logprobs.slice(1),
        text_offset: text_offset.slice(1),
      };
      conforms('CreateCompletionResponse', { ...body, choices: [{ ...body.choices[0], logprobs: rest }] });
      expect(lp.tokens.slice(0, ids.length)).toEqual(ids.map((id) => `token_id:${id}`));
      expect(lp.tokens).toHaveLength(ids.length + maxTokens);
      expect(lp.token_logprobs[0]).toBeNull();
      expect(lp.top_logprobs[0]).toBeNull();
      expect(body.usage).toEqual({ prompt_tokens: ids.length, completion_tokens: maxTokens, total_tokens: ids.length + maxTokens });

      const { rows } = await referenceLogits(join(liveDir(), 'model.onnx'), ids);
      for (let i = 1; i < ids.length + maxTokens; i++) {
        const ref = logSoftmax(rows[i - 1]!);
        const id = i < ids.length ? ids[i]! : Number(lp.tokens[i].slice('token_id:'.length));
        expect(Math.abs(lp.token_logprobs[i] - ref[id]!)).toBeLessThan(1e-4);
        const top = Object.entries(lp.top_logprobs[i] as Record<string, number>);
        expect(top).toHaveLength(20);
        const want = [...ref.keys()].sort((a, b) => ref[b]! - ref[a]!).slice(0, 20);
        expect(new Set(top.map(([t]) => Number(t.slice('token_id:'.length))))).toEqual(new Set(want));
        for (const [t, v] of top) expect(Math.abs(v - ref[Number(t.slice('token_id:'.length))]!)).toBeLessThan(1e-4);
        // temperature 0: the generated token is the argmax of the raw distribution
        if (i >= ids.length) expect(id).toBe(want[0]);
      }
    }
  });

  it('rejects a bad request with the OpenAI envelope', async () => {
    await expectError(
      await post(`${worker.url}/v1/completions`, { model: TEACHER, prompt: [1, 2], logprobs: 21 }),
      400,
      'invalid_value',
      'logprobs',
    );
    await expectError(await post(`${worker.url}/v1/completions`, { model: 'nope', prompt: 'x' }), 404, 'model_not_found', 'model');
  });

  it('batches concurrent requests into shared decoder runs without changing any output', async () => {
    const prompts = [
      'In the beginning',
      'And God said',
      'The LORD is my shepherd',
      'x',
      'Blessed are the',
      'Now the serpent',
      'Let us make',
      'a',
    ];
    const ask = (prompt: string, i: number) =>
      client.completions.create({ model: TEACHER, prompt, max_tokens: 6 + i, temperature: i % 2 ? 0.9 : 0, seed: i }, options());
    const alone = [];
    for (const [i, p] of prompts.entries()) alone.push(await ask(p, i));
    const runs = async () => {
      const text = await (await fetch(`${worker.url}/metrics`, options())).text();
      const read = (name: string) => Number(new RegExp(`${name}\\{[^}]*\\} (\\d+)`).exec(text)?.[1]);
      return { runs: read('distillgate_worker_decode_runs_total'), rows: read('distillgate_worker_decode_sequences_total') };
    };
    const before = await runs();
    const together = await Promise.all(prompts.map(ask));
    const after = await runs();
    for (const [i, r] of together.entries()) {
      expect(r.choices[0]?.text, prompts[i]).toBe(alone[i]!.choices[0]?.text);
      expect(r.usage).toEqual(alone[i]!.usage);
    }
    // mean batch of the concurrent phase: well above one sequence per run
    expect((after.rows - before.rows) / (after.runs - before.runs)).toBeGreaterThan(2);
  });

  it('exposes vLLM metric names on /metrics', async () => {
    const res = await fetch(`${worker.url}/metrics`, options());
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:time_per_output_token_seconds_bucket',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
    ]) {
      expect(text).toContain(name);
    }
    expect(Number(/vllm:generation_tokens_total\{[^}]*\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });
});

describe.skipIf(skipReason !== null)('gpu-worker admission and drain', () => {
  let worker: GpuWorkerProcess;
  const longStream = () =>
    fetch(`${worker.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: TEACHER,
        messages: [{ role: 'user', content: 'And God said' }],
        max_tokens: 240,
        temperature: 0, // greedy: this prompt runs to max_tokens on the student, no early end of text
        logprobs: true,
        top_logprobs: 20,
        stream: true,
      }),
      signal: AbortSignal.timeout(30_000),
    });
  const firstBytes = async (res: Response) => {
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    return { reader, first: new TextDecoder().decode(value) };
  };

  beforeAll(async () => {
    worker = await startGpuWorkerProcess(['--model-dir', liveDir(), '--max-concurrent', '1', '--max-queued', '0']);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
  });

  it('answers 429 with Retry-After when every slot and queue place is taken', async () => {
    const holding = await longStream();
    const { reader } = await firstBytes(holding);
    const res = await post(`${worker.url}/v1/completions`, { model: TEACHER, prompt: 'x', max_tokens: 1 });
    const error = await expectError(res, 429, 'edge_overloaded');
    expect(error.type).toBe('server_error');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await reader.cancel();
  });

  it('drains on SIGTERM: new requests get 503, in-flight streams complete, then the process exits 0', async () => {
    // its own worker with 4 slots: four long streams keep it busy for a while after the signal
    const draining = await startGpuWorkerProcess(['--model-dir', liveDir(), '--max-concurrent', '4']);
    const saved = worker;
    worker = draining;
    try {
      const streams = await Promise.all(Array.from({ length: 4 }, () => longStream()));
      const opened = await Promise.all(streams.map(firstBytes));
      draining.child.kill('SIGTERM');
      let health: Json = {};
      for (let i = 0; i < 400 && health.status !== 'draining'; i++) {
        health = (await (await fetch(`${draining.url}/health`, options())).json()) as Json;
        if (health.status !== 'draining') await new Promise((r) => setTimeout(r, 2));
      }
      expect(health.status).toBe('draining');
      const refused = await post(`${draining.url}/v1/completions`, { model: TEACHER, prompt: 'x', max_tokens: 1 });
      expect(refused.status).toBe(503);
      conforms('ErrorResponse', await refused.json());
      for (const { reader, first } of opened) {
        let rest = '';
        for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
        const read = await readSse(new Response(first + rest, { headers: { 'content-type': 'text/event-stream' } }));
        expectCleanEnd(read);
        expect(read.chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
        expect(streamedText(read.chunks).length).toBeGreaterThan(0);
      }
      expect(await draining.exited).toBe(0);
      expect(draining.logs.some((l) => l.includes('"drained"'))).toBe(true);
    } finally {
      worker = saved;
      await draining.stop();
    }
  });
});
