/**
 * The edge student served by the real gateway process (Node: the engine in a worker thread,
 * onnxruntime-web), through the official `openai` client and raw HTTP: OpenAI wire format for chat
 * and legacy completions, streamed and not (validated against OpenAI's OpenAPI schemas), headers,
 * usage and cost, seeds, stop, max_tokens, logprobs, bad input, the live version following
 * channels.json without a restart, broken models, and the pool's stream staying smooth while
 * edge generations run.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../support/gateway-process.ts';
import { type EdgeModelsDir, edgeSkipReason, makeEdgeModelsDir, STUDENT } from './edge-models.ts';
import {
  conforms,
  expectCleanEnd,
  expectError,
  type Json,
  post,
  REQUEST_TIMEOUT_MS,
  readSse,
  type Stack,
  startStack,
  streamedText,
  within,
} from './helpers.ts';

const skipReason = edgeSkipReason();
if (skipReason) console.warn(`skipping edge e2e tests: ${skipReason}`);

/** Price of the student in this stack: cost = prompt × 1 + completion × 2 micro-USD. */
const PRICE = { inputUsdPerMTok: 1, outputUsdPerMTok: 2 };
/** The broken models' problems are logged at error level on purpose (once each). */
const EXPECTED_ERRORS = /"msg":"edge model unavailable".*"model":"broken-(sha|onnx)"/;

let models: EdgeModelsDir;
let stack: Stack;
let client: OpenAI;
let chatUrl: string;
let legacyUrl: string;

const options = () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
const chat = (extra: Json = {}, content = 'And God said') => ({ model: STUDENT, messages: [{ role: 'user' as const, content }], ...extra });

beforeAll(async () => {
  if (skipReason) return;
  models = await makeEdgeModelsDir();
  models.addBroken('broken-sha', 'sha');
  models.addBroken('broken-onnx', 'onnx');
  stack = await startStack({
    mocks: 1,
    edge: { modelsDir: models.dir, models: [STUDENT, 'broken-sha', 'broken-onnx'], channelsCheckMs: 200 },
    models: {
      auto: { targets: [{ edge: STUDENT }, { upstream: 'mock0' }] },
      'auto-sha': { targets: [{ edge: 'broken-sha' }, { upstream: 'mock0' }] },
      'auto-onnx': { targets: [{ edge: 'broken-onnx' }, { upstream: 'mock0' }] },
    },
    prices: { [STUDENT]: PRICE },
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
  chatUrl = `${stack.url}/v1/chat/completions`;
  legacyUrl = `${stack.url}/v1/completions`;
}, 120_000);

afterAll(async () => {
  await stack?.stop(EXPECTED_ERRORS);
  models?.remove();
});

function expectEdgeHeaders(headers: Headers, version = models.versions.a): void {
  expect(headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(headers.get('x-distillgate-route')).toBe('edge');
  expect(headers.get('x-distillgate-model')).toBe(`${STUDENT}@${version}`);
}

const costOf = (usage: Json) => Math.round(usage.prompt_tokens * PRICE.inputUsdPerMTok + usage.completion_tokens * PRICE.outputUsdPerMTok);

describe.skipIf(skipReason !== null)('edge student: wire format', () => {
  it('/v1/models lists the student with its live version; lazy: not loaded before its first request', async () => {
    const page = await client.models.list(options());
    const student = page.data.find((m) => m.id === STUDENT) as Json | undefined;
    expect(student).toMatchObject({ object: 'model', owned_by: 'distillgate', version: models.versions.a, status: 'not_loaded' });
    for (const model of page.data) conforms('Model', model);
  });

  it('chat.completions.create, not streamed: OpenAI shape, edge headers, usage and cost', async () => {
    const { data, response } = await client.chat.completions.create({ ...chat(), max_tokens: 8, seed: 1 }, options()).withResponse();
    conforms('CreateChatCompletionResponse', data);
    expect(data).toMatchObject({ object: 'chat.completion', model: STUDENT });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]?.message.role).toBe('assistant');
    expect(['stop', 'length']).toContain(data.choices[0]?.finish_reason);
    const usage = data.usage as Json;
    expect(usage.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(usage.completion_tokens).toBeLessThanOrEqual(8);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expectEdgeHeaders(response.headers);
    expect(response.headers.get('x-distillgate-cost-micro-usd')).toBe(String(costOf(usage)));

    const listed = (await client.models.list(options())).data.find((m) => m.id === STUDENT) as Json | undefined;
    expect(listed?.status).toBe('ready');
  });

  it('chat stream: role chunk, token chunks, one finish_reason, the usage chunk; same text as the same seed unstreamed', async () => {
    const request = { ...chat(), max_tokens: 12, seed: 7, temperature: 1 };
    const whole = await client.chat.completions.create(request, options());
    const { data: stream, response } = await client.chat.completions
      .create({ ...request, stream: true, stream_options: { include_usage: true } }, options())
      .withResponse();
    expectEdgeHeaders(response.headers);
    expect(response.headers.get('x-distillgate-cost-micro-usd')).toBeNull();
    const chunks: Json[] = [];
    for await (const chunk of stream) {
      conforms('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(streamedText(chunks)).toBe(whole.choices[0]?.message.content);
    const finishes = chunks.flatMap((c) => c.choices.filter((x: Json) => x.finish_reason).map((x: Json) => x.finish_reason));
    expect(finishes).toEqual([whole.choices[0]?.finish_reason]);
    const last = chunks.at(-1) as Json;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(whole.usage);
    expect(last.distillgate).toEqual({
      cost_micro_usd: costOf(last.usage),
      route: 'edge',
      model_version: `${STUDENT}@${models.versions.a}`,
    });
  });

  it('without include_usage the stream has no usage chunk; the raw SSE ends with one [DONE]', async () => {
    const res = await post(chatUrl, { ...chat(), max_tokens: 4, stream: true });
    expectEdgeHeaders(res.headers);
    const read = await readSse(res);
    expectCleanEnd(read);
    expect(read.chunks.some((c) => c.usage !== undefined)).toBe(false);
  });

  it('legacy completions, streamed and not: OpenAI shape, the same text for the same seed', async () => {
    const request = { model: STUDENT, prompt: 'And God said, Let there be', max_tokens: 10, seed: 3, temperature: 1 };
    const { data, response } = await client.completions.create(request, options()).withResponse();
    conforms('CreateCompletionResponse', data);
    expect(data).toMatchObject({ object: 'text_completion', model: STUDENT });
    expect(data.id).toMatch(/^cmpl-/);
    expectEdgeHeaders(response.headers);
    expect(response.headers.get('x-distillgate-cost-micro-usd')).toBe(String(costOf(data.usage as Json)));

    const stream = await client.completions.create({ ...request, stream: true }, options());
    const chunks: Json[] = [];
    for await (const chunk of stream) {
      if (chunk.choices[0]?.finish_reason) conforms('CreateCompletionResponse', chunk);
      chunks.push(chunk);
    }
    expect(streamedText(chunks)).toBe(data.choices[0]?.text);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe(data.choices[0]?.finish_reason);
  });
});

describe.skipIf(skipReason !== null)('edge student: sampling parameters', () => {
  it('same seed → same text; another seed → other text (T = 1)', async () => {
    const run = async (seed: number) =>
      (await client.chat.completions.create({ ...chat(), max_tokens: 16, temperature: 1, seed }, options())).choices[0]?.message.content;
    const a = await run(11);
    expect(await run(11)).toBe(a);
    expect(await run(12)).not.toBe(a);
  });

  it('max_tokens (and max_completion_tokens) → finish_reason length with that many completion tokens', async () => {
    for (const budget of [{ max_tokens: 3 }, { max_completion_tokens: 3 }]) {
      const data = await client.chat.completions.create({ ...chat(), ...budget, temperature: 1, seed: 5 }, options());
      expect(data.choices[0]?.finish_reason).toBe('length');
      expect(data.usage?.completion_tokens).toBe(3);
    }
  });

  it('stop: the text ends before the first occurrence of the stop sequence, finish_reason stop', async () => {
    const request = { ...chat(), max_tokens: 24, temperature: 1, seed: 21 };
    const reference = (await client.chat.completions.create(request, options())).choices[0]?.message.content ?? '';
    expect(reference.length).toBeGreaterThan(6);
    const stop = reference.slice(4, 6);
    const data = await client.chat.completions.create({ ...request, stop: [stop, 'never-in-this-text'] }, options());
    expect(data.choices[0]?.message.content).toBe(reference.slice(0, reference.indexOf(stop)));
    expect(data.choices[0]?.finish_reason).toBe('stop');
  });

  it('chat logprobs in OpenAI’s shape, streamed and not', async () => {
    const request = { ...chat(), max_tokens: 5, temperature: 1, seed: 2, logprobs: true, top_logprobs: 3 };
    const data = await client.chat.completions.create(request, options());
    conforms('CreateChatCompletionResponse', data);
    const content = data.choices[0]?.logprobs?.content ?? [];
    expect(content.length).toBe(data.usage?.completion_tokens);
    for (const entry of content) {
      conforms('ChatCompletionTokenLogprob', entry);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]?.logprob).toBeGreaterThanOrEqual(entry.top_logprobs[2]?.logprob ?? 0);
    }
    // each entry's bytes are its token's exact bytes (a token may hold part of a UTF-8 character)
    expect(new TextDecoder().decode(Uint8Array.from(content.flatMap((e) => e.bytes ?? [])))).toBe(data.choices[0]?.message.content);

    const read = await readSse(await post(chatUrl, { ...request, stream: true }));
    const streamed = read.chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
    expect(streamed).toEqual(content);
  });

  it('legacy logprobs: tokens, token_logprobs, top_logprobs, text_offset aligned', async () => {
    const request = { model: STUDENT, prompt: 'In the beginning', max_tokens: 5, temperature: 1, seed: 4, logprobs: 2 };
    const data = (await client.completions.create(request, options())) as unknown as Json;
    conforms('CreateCompletionResponse', data);
    const lp = data.choices[0].logprobs;
    expect(lp.tokens).toHaveLength(data.usage.completion_tokens);
    for (const key of ['token_logprobs', 'top_logprobs', 'text_offset']) expect(lp[key]).toHaveLength(lp.tokens.length);
    for (const top of lp.top_logprobs) expect(Object.keys(top)).toHaveLength(2);
    expect(lp.text_offset[0]).toBe(0);
    for (let i = 1; i < lp.text_offset.length; i++) expect(lp.text_offset[i]).toBeGreaterThanOrEqual(lp.text_offset[i - 1]);
    // a token that holds part of a UTF-8 character is shown as `bytes:\xNN` (OpenAI's convention)
    const whole = lp.tokens.every((t: string) => !t.startsWith('bytes:'));
    if (whole) expect(lp.tokens.join('')).toBe(data.choices[0].text);
  });
});

describe.skipIf(skipReason !== null)('edge student: bad input', () => {
  it('a prompt over the context → 400 context_length_exceeded; through auto the pool takes it', async () => {
    const long = 'and the '.repeat(models.contextLength);
    const err = await expectError(await post(chatUrl, chat({}, long)), 400, 'context_length_exceeded', 'messages');
    expect(err.message).toMatch(/maximum context length is \d+ tokens/);
    await expectError(await post(legacyUrl, { model: STUDENT, prompt: long }), 400, 'context_length_exceeded', 'prompt');
    const viaAuto = await post(chatUrl, chat({ model: 'auto' }, long));
    expect(viaAuto.status).toBe(200);
    expect(viaAuto.headers.get('x-distillgate-route')).toBe('pool');
    await viaAuto.text();
  });

  it('top_logprobs 21 → 400; n > 1 → 400 param n on the edge, the pool through auto', async () => {
    await expectError(await post(chatUrl, chat({ logprobs: true, top_logprobs: 21 })), 400, 'invalid_value', 'top_logprobs');
    await expectError(await post(chatUrl, chat({ n: 2 })), 400, 'invalid_value', 'n');
    const viaAuto = await post(chatUrl, chat({ model: 'auto', n: 2 }));
    expect(viaAuto.headers.get('x-distillgate-route')).toBe('pool');
    expect(viaAuto.status).toBe(200);
    await viaAuto.text();
  });

  it('a client abort mid-stream stops the generation (logged as client_aborted)', async () => {
    const controller = new AbortController();
    const res = await post(chatUrl, { ...chat(), stream: true, temperature: 1, seed: 9 }, { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await within(
      (async () => {
        while (!stack.gateway.logs.some((l) => /"msg":"edge stream ended".*"status":"client_aborted"/.test(l))) await sleep(50);
      })(),
      5_000,
      'the client_aborted log line',
    );
    const after = await post(chatUrl, chat({ max_tokens: 2 }));
    expect(after.status).toBe(200);
    await after.text();
  });
});

describe.skipIf(skipReason !== null)('edge student: broken models', () => {
  for (const kind of ['sha', 'onnx'] as const) {
    it(`${kind === 'sha' ? 'a sha256 mismatch' : 'garbage ONNX'}: 503 direct, the pool through an alias, unavailable in /v1/models, logged once`, async () => {
      const model = `broken-${kind}`;
      for (let i = 0; i < 3; i++) {
        const err = await expectError(await post(chatUrl, chat({ model })), 503, 'model_unavailable', 'model');
        expect(err.message).toMatch(new RegExp(`'${model}' \\(version v1\\) is unavailable`));
      }
      const viaAlias = await post(chatUrl, chat({ model: `auto-${kind}` }));
      expect(viaAlias.status).toBe(200);
      expect(viaAlias.headers.get('x-distillgate-route')).toBe('pool');
      await viaAlias.text();
      const listed = (await client.models.list(options())).data.find((m) => m.id === model) as Json | undefined;
      expect(listed).toMatchObject({ version: 'v1', status: 'unavailable' });
      const logged = stack.gateway.logs.filter((l) => l.includes('"msg":"edge model unavailable"') && l.includes(`"model":"${model}"`));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(kind === 'sha' ? /sha256 [0-9a-f]{64} ≠ manifest/ : /protobuf parsing failed|Can't create a session/);
    });
  }
});

describe.skipIf(skipReason !== null)('edge student: the live version follows channels.json', () => {
  it('new requests get the new version without a restart; a running stream finishes on the old one', async () => {
    const running = await post(chatUrl, { ...chat(), stream: true, temperature: 1, seed: 13, max_tokens: 20 });
    expectEdgeHeaders(running.headers, models.versions.a);
    const reader = (running.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // started on A

    models.setLive(models.versions.b);
    let version = '';
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const res = await post(chatUrl, chat({ max_tokens: 1 }));
      version = res.headers.get('x-distillgate-model') ?? '';
      await res.text();
      if (version.endsWith(`@${models.versions.b}`)) break;
      await sleep(100);
    }
    expect(version).toBe(`${STUDENT}@${models.versions.b}`);
    const listed = (await client.models.list(options())).data.find((m) => m.id === STUDENT) as Json | undefined;
    expect(listed).toMatchObject({ version: models.versions.b, status: 'ready' });

    let rest = '';
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value, { stream: true });
    expect(rest).toMatch(/data: \[DONE\]\n\n$/);
    expect(rest).not.toMatch(/"error"/);

    models.setLive(models.versions.a);
  });
});

describe.skipIf(skipReason !== null)('edge load does not stall the pool', () => {
  /** Gaps between SSE events of one pool stream of `words` chunks, as the client sees them. @unit ms */
  async function poolGaps(words: number): Promise<number[]> {
    const res = await post(chatUrl, {
      model: 'mock-model',
      messages: [{ role: 'user', content: 'w '.repeat(words).trim() }],
      stream: true,
    });
    expect(res.headers.get('x-distillgate-route')).toBe('pool');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const times: number[] = [];
    let buffered = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const now = performance.now();
      buffered += decoder.decode(r.value, { stream: true });
      const events = buffered.split('\n\n');
      buffered = events.pop() ?? '';
      for (const _ of events) times.push(now);
    }
    return times.slice(2).map((t, i) => t - (times[i + 1] as number)); // from the first content chunk on
  }

  const p99 = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))] as number;

  it('a pool stream’s p99 gap between chunks with 4 edge generations running stays within 2× of its value with none', async () => {
    const CHUNK_DELAY_MS = 20;
    const WORDS = 40;
    const ROUNDS = 3;
    (stack.mocks[0] as NonNullable<Stack['mocks'][0]>).fallback = { kind: 'echo', chunkDelayMs: CHUNK_DELAY_MS };
    const idle: number[] = [];
    const loaded: number[] = [];
    let edgeDone = 0;
    try {
      // alternating rounds, so drift in the machine's other load hits both sides alike
      for (let round = 0; round < ROUNDS; round++) {
        idle.push(...(await poolGaps(WORDS)));
        let stop = false;
        const edgeLoop = async (seed: number) => {
          while (!stop) {
            const res = await post(chatUrl, chat({ temperature: 1, seed: seed++, max_tokens: Math.max(8, models.contextLength - 24) }));
            expect(res.status).toBe(200);
            await res.text();
            edgeDone++;
          }
        };
        const loops = [100, 200, 300, 400].map((seed) => edgeLoop(seed + round * 1000));
        await sleep(200); // all four admitted and decoding
        loaded.push(...(await poolGaps(WORDS)));
        stop = true;
        await Promise.all(loops);
      }
    } finally {
      stack.reset();
    }
    const [idleP99, loadedP99] = [p99(idle), p99(loaded)];
    console.log(
      `pool chunk gap p99 over ${idle.length} gaps: ${idleP99.toFixed(1)} ms idle, ${loadedP99.toFixed(1)} ms with 4 edge generations running (${edgeDone} edge completions meanwhile)`,
    );
    expect(idle.length).toBeGreaterThanOrEqual(ROUNDS * (WORDS - 1));
    expect(edgeDone).toBeGreaterThanOrEqual(4 * ROUNDS);
    expect(idleP99).toBeGreaterThanOrEqual(CHUNK_DELAY_MS - 2);
    expect(loadedP99).toBeLessThanOrEqual(2 * idleP99);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
