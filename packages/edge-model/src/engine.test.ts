/**
 * EdgeEngine end to end on the test model in onnxruntime-web (the edge runtime), plus a scripted
 * model (scripted-binding.ts) with the real tokenizer to force byte-split characters.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebBinding } from './binding-web.ts';
import { CHAT_TEMPLATE, renderChatPrompt } from './chat-template.ts';
import { EdgeEngine, type EdgeModelFiles } from './engine.ts';
import { ContextLengthExceededError, EdgeOverloadedError } from './errors.ts';
import type { DoneEvent, GenerationEvent, TokenEvent } from './generation.ts';
import type { ModelManifest } from './manifest.ts';
import { readModelDir } from './node/model-dir.ts';
import type { GenerationRequest } from './request.ts';
import { scriptedBinding } from './scripted-binding.ts';
import { BUILD_TIMEOUT_MS, testModelDir, testModelSkipReason } from './test-model.ts';
import { loadTokenizer } from './tokenizer.ts';

const skipReason = testModelSkipReason();

async function collect(events: AsyncIterable<GenerationEvent>) {
  const tokens: TokenEvent[] = [];
  let done: DoneEvent | undefined;
  for await (const e of events) {
    if (e.type === 'token') tokens.push(e);
    else done = e;
  }
  expect(done).toBeDefined();
  return { tokens, done: done!, text: tokens.map((t) => t.text).join('') + done!.text, ids: tokens.map((t) => t.tokenId) };
}

const PROMPT = 'And God said, Let there be light:';

describe.skipIf(skipReason !== null)('EdgeEngine on the test model (onnxruntime-web)', () => {
  let files: EdgeModelFiles;
  let engine: EdgeEngine;
  const run = (request: Omit<GenerationRequest, 'prompt'> & { prompt?: string }, signal?: AbortSignal) =>
    collect(engine.generate({ prompt: PROMPT, ...request }, signal));

  beforeAll(async () => {
    files = await readModelDir(await testModelDir());
    engine = await EdgeEngine.load(createWebBinding(), files);
  }, BUILD_TIMEOUT_MS);

  it('same seed → same tokens; different seeds at T=1 → different sequences', async () => {
    const a = await run({ temperature: 1, seed: 7, max_tokens: 16 });
    const b = await run({ temperature: 1, seed: 7, max_tokens: 16 });
    const c = await run({ temperature: 1, seed: 8, max_tokens: 16 });
    expect(b.ids).toEqual(a.ids);
    expect(b.text).toBe(a.text);
    expect(c.ids).not.toEqual(a.ids);
  });

  it('max_tokens → finish_reason length, usage counted with the model tokenizer', async () => {
    const r = await run({ temperature: 0, max_tokens: 5 });
    const promptTokens = engine.tokenizer.encode(PROMPT).length;
    if (r.done.stop_reason === 'eos') return expect.fail('greedy run hit eos within 5 tokens; pick another prompt');
    expect(r.done).toMatchObject({
      finish_reason: 'length',
      stop_reason: 'max_tokens',
      usage: { prompt_tokens: promptTokens, completion_tokens: 5 },
    });
    expect(r.tokens.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    expect(r.text).toBe(engine.tokenizer.decode(r.ids));
  });

  it('a stop sequence spanning two real tokens stops there; the text excludes it', async () => {
    // Seeded sampling (the toy model's greedy text is repetitive); the same seed gives the same tokens.
    const sampling = { temperature: 1, seed: 3, max_tokens: 24 };
    const reference = await run(sampling);
    const pieces = reference.ids.map((id) => engine.tokenizer.tokenString(id));
    let found: { stop: string; at: number; k: number } | null = null;
    for (let k = 1, offset = pieces[0]!.length; k + 1 < pieces.length && !found; offset += pieces[k]!.length, k++) {
      const [a, b] = [pieces[k]!, pieces[k + 1]!];
      if (a.startsWith('bytes:') || b.startsWith('bytes:')) continue;
      for (let la = Math.min(3, a.length); la >= 1 && !found; la--) {
        for (let lb = Math.min(3, b.length); lb >= 1 && !found; lb--) {
          const stop = a.slice(-la) + b.slice(0, lb);
          const at = reference.text.indexOf(stop);
          if (at === offset + a.length - la) found = { stop, at, k };
        }
      }
    }
    expect(found, `no two-token stop in ${JSON.stringify(pieces)}`).not.toBeNull();
    const { stop, at, k } = found!;
    console.log('[edge-model] two-token stop', JSON.stringify({ stop, k, pieces: pieces.slice(0, k + 3) }));
    const r = await run({ ...sampling, stop: [stop, ''] });
    expect(r.text).toBe(reference.text.slice(0, at));
    expect(r.done).toMatchObject({ finish_reason: 'stop', stop_reason: stop, usage: { completion_tokens: k + 2 } });
    for (const t of r.tokens) expect(t.text).not.toContain(stop);
  });

  it('reports end-to-end decode speed (sampling, logprobs, scheduler included)', async () => {
    const maxTokens = Math.min(40, engine.shape.contextLength - engine.prepare({ prompt: PROMPT }).promptIds.length);
    const r = await run({ temperature: 0.8, top_p: 0.95, seed: 1, max_tokens: maxTokens, logprobs: true, top_logprobs: 5 });
    const perSecond = Math.round((1000 * (r.done.usage.completion_tokens - 1)) / r.done.timings.decodeMs);
    console.log(`[edge-model] engine onnxruntime-web: ${perSecond} tokens/s decode, prefill ${r.done.timings.prefillMs.toFixed(1)} ms`);
    expect(r.done.timings.decodeMs).toBeGreaterThan(0);
  });

  it('stop [""] is ignored', async () => {
    const r = await run({ temperature: 0, max_tokens: 6, stop: [''] });
    expect(r.done.finish_reason).toBe('length');
    expect(r.tokens).toHaveLength(6);
  });

  it('logprobs: OpenAI shape from raw logits, ≤ 20 alternatives; confidence on every token', async () => {
    const r = await run({ temperature: 0, max_tokens: 3, logprobs: true, top_logprobs: 20 });
    for (const t of r.tokens) {
      const lp = t.logprobs!;
      expect(lp.top_logprobs).toHaveLength(20);
      expect(lp.top_logprobs[0]!.token).toBe(lp.token); // greedy: the sampled token is the top one
      expect(lp.top_logprobs[0]!.logprob).toBe(lp.logprob);
      expect(lp.bytes).toEqual(Array.from(engine.tokenizer.tokenBytes(t.tokenId)));
      expect(lp.logprob).toBeCloseTo(Math.log(t.confidence.maxProb), 9);
      expect(t.confidence.entropyNats).toBeGreaterThan(0);
      expect(t.confidence.entropyNats).toBeLessThanOrEqual(Math.log(engine.shape.vocabSize) + 1e-9);
      expect(t.confidence.top1Top2Margin).toBeGreaterThanOrEqual(0);
    }
    const plain = await run({ temperature: 0, max_tokens: 1 });
    expect(plain.tokens[0]!.logprobs).toBeNull();
  });

  it('renders chat messages with the manifest template; rejects prompt + max_tokens over the context', () => {
    const messages = [{ role: 'user', content: 'Who made light?' }];
    expect((files.manifest as ModelManifest).chat_template).toBe(CHAT_TEMPLATE); // what manifest.py wrote
    expect(engine.prepare({ messages }).promptIds).toEqual(engine.tokenizer.encode(renderChatPrompt(messages)));
    const n = engine.prepare({ prompt: PROMPT }).promptIds.length;
    expect(engine.prepare({ prompt: PROMPT }).maxTokens).toBe(engine.shape.contextLength - n); // default: the rest
    expect(() => engine.generate({ prompt: PROMPT, max_tokens: engine.shape.contextLength - n + 1 })).toThrow(ContextLengthExceededError);
    expect(() => engine.generate({ prompt: PROMPT, max_tokens: engine.shape.contextLength - n, temperature: 0 })).not.toThrow();
  });

  it('interleaves concurrent generations one token per turn', async () => {
    const order: string[] = [];
    const consume = async (label: string) => {
      for await (const e of engine.generate({ prompt: PROMPT, max_tokens: 6, temperature: 0 }))
        order.push(`${label}${e.type === 'token' ? e.index : '.'}`);
    };
    await Promise.all([consume('A'), consume('B')]);
    expect(order.indexOf('B0')).toBeLessThan(order.indexOf('A5'));
    expect(order.indexOf('A0')).toBeLessThan(order.indexOf('B5'));
  });

  it('maxBatch 4: six concurrent generations (mixed prompts, seeds, lengths, one aborted) give the tokens they give alone', async () => {
    const batched = await EdgeEngine.load(createWebBinding(), files, { maxConcurrent: 4, maxQueued: 8, maxBatch: 4 });
    const requests: GenerationRequest[] = [
      { prompt: PROMPT, max_tokens: 12, temperature: 0 },
      { prompt: 'In the beginning', max_tokens: 7, temperature: 1, seed: 5 },
      { prompt: 'And the earth was without form', max_tokens: 16, temperature: 0.8, seed: 9, top_p: 0.9 },
      { prompt: 'x', max_tokens: 3, temperature: 0 },
      { prompt: PROMPT, max_tokens: 10, temperature: 1, seed: 1 }, // queued, joins a running batch
      { prompt: 'Let there be', max_tokens: 9, temperature: 0, logprobs: true, top_logprobs: 3 },
    ];
    const alone = [];
    for (const r of requests) alone.push(await collect(engine.generate(r)));
    const aborter = new AbortController();
    const doomed = batched.generate({ prompt: PROMPT, max_tokens: 40, temperature: 0 }, aborter.signal);
    const together = requests.map((r) => collect(batched.generate(r)));
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of doomed) if (++seen === 3) aborter.abort();
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const results = await Promise.all(together);
    for (const [i, r] of results.entries()) {
      expect(r.ids, `request ${i}`).toEqual(alone[i]!.ids);
      expect(r.text).toBe(alone[i]!.text);
      expect(r.done.usage).toEqual(alone[i]!.done.usage);
      for (const [k, t] of r.tokens.entries()) {
        const lp = t.logprobs?.logprob ?? 0;
        expect(Math.abs(lp - (alone[i]!.tokens[k]!.logprobs?.logprob ?? 0))).toBeLessThan(1e-4);
      }
    }
    expect(batched.load).toEqual({ active: 0, queued: 0 });
    const { decodeRuns, decodeRows, prefillRuns } = batched.batchStats;
    expect(prefillRuns).toBe(requests.length + 1);
    expect(decodeRows / decodeRuns).toBeGreaterThan(2); // runs really were shared
    await batched.close();
  });

  it('overload: maxConcurrent 1 + maxQueued 1 → the third generate throws; aborting frees a slot', async () => {
    const small = await EdgeEngine.load(createWebBinding(), files, { maxConcurrent: 1, maxQueued: 1 });
    const req = { prompt: PROMPT, max_tokens: 20, temperature: 0 };
    const [a, b] = [new AbortController(), new AbortController()];
    const first = small.generate(req, a.signal)[Symbol.asyncIterator]();
    const second = small.generate(req, b.signal);
    let overload: unknown;
    try {
      small.generate(req);
    } catch (error) {
      overload = error;
    }
    expect(overload).toBeInstanceOf(EdgeOverloadedError);
    expect((overload as EdgeOverloadedError).code).toBe('edge_overloaded');
    expect((overload as EdgeOverloadedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(small.load).toEqual({ active: 1, queued: 1 });

    b.abort(); // the queued one: its place frees at once
    expect(small.load).toEqual({ active: 1, queued: 0 });
    await expect(collect(second)).rejects.toMatchObject({ name: 'AbortError' });
    const third = small.generate(req); // fits again

    expect((await first.next()).done).toBe(false);
    a.abort(); // the running one: its slot goes to `third`
    await expect(first.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(small.load).toEqual({ active: 1, queued: 0 });
    const r = await collect(third);
    expect(r.done.usage.completion_tokens).toBeGreaterThan(0);

    for await (const _ of small.generate(req)) break; // leaving the loop early also frees the slot
    expect(small.load).toEqual({ active: 0, queued: 0 });
    expect(() => small.generate(req, AbortSignal.abort())).toThrow();
    await small.close();
  });
});

describe.skipIf(skipReason !== null)('EdgeEngine streaming UTF-8 (scripted model, real tokenizer)', () => {
  const TEXT = 'Café — naïve €5, 日本語 ✓ done';
  let files: EdgeModelFiles;
  let engine: EdgeEngine;
  let script: number[];

  beforeAll(async () => {
    files = await readModelDir(await testModelDir());
    const manifest = { ...(files.manifest as ModelManifest), architecture: undefined }; // the script has 1 layer
    const tokenizer = loadTokenizer(files.tokenizer, manifest.eos_token_id);
    script = tokenizer.encode(TEXT);
    const binding = scriptedBinding({
      promptLength: tokenizer.encode('x').length,
      tokens: script,
      after: tokenizer.eosTokenId!,
      vocabSize: tokenizer.size,
    });
    engine = await EdgeEngine.load(binding, { ...files, manifest });
  }, BUILD_TIMEOUT_MS);

  it('the real tokenizer splits some characters across tokens', () => {
    expect(script.some((id) => engine.tokenizer.tokenString(id).startsWith('bytes:'))).toBe(true);
  });

  it('never streams U+FFFD; the text is exact; eos ends with finish_reason stop', async () => {
    const r = await collect(engine.generate({ prompt: 'x', temperature: 0 }));
    for (const t of r.tokens) expect(t.text).not.toContain('\uFFFD');
    expect(r.text).toBe(TEXT);
    expect(r.ids).toEqual(script);
    expect(r.tokens.some((t) => t.text === '')).toBe(true); // bytes were held for a split character
    expect(r.done).toMatchObject({ finish_reason: 'stop', stop_reason: 'eos', usage: { completion_tokens: script.length + 1 } });
  });

  it('a completion cut inside a character ends with one U+FFFD, never mid-stream', async () => {
    const firstPartial = script.findIndex((id) => engine.tokenizer.tokenString(id).startsWith('bytes:'));
    const r = await collect(engine.generate({ prompt: 'x', temperature: 0, max_tokens: firstPartial + 1 }));
    for (const t of r.tokens) expect(t.text).not.toContain('\uFFFD');
    expect(r.done.finish_reason).toBe('length');
    expect(r.done.text.endsWith('\uFFFD')).toBe(true);
  });

  it('a multibyte stop sequence is matched on decoded text', async () => {
    const r = await collect(engine.generate({ prompt: 'x', temperature: 0, stop: ['€5'] }));
    expect(r.text).toBe(TEXT.slice(0, TEXT.indexOf('€5')));
    expect(r.done.finish_reason).toBe('stop');
  });
});
