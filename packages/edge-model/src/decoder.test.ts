/**
 * The decoder on real sessions of the test model (test-model.ts): onnxruntime-web (WASM, 1 thread)
 * against onnxruntime-node (1 thread), and the KV-cache path against full re-runs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebBinding } from './binding-web.ts';
import { Decoder, type KvSequence, lastRow } from './decoder.ts';
import { ContextLengthExceededError } from './errors.ts';
import type { ModelManifest } from './manifest.ts';
import { createNodeBinding } from './node/binding-node.ts';
import { readModelDir } from './node/model-dir.ts';
import { argmax } from './sampling.ts';
import { BUILD_TIMEOUT_MS, testModelDir, testModelSkipReason } from './test-model.ts';
import { loadTokenizer } from './tokenizer.ts';

const skipReason = testModelSkipReason();
if (skipReason) console.warn(`[edge-model] ${skipReason}`);
const TOLERANCE = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(skipReason !== null)('Decoder (Optimum layout, KV cache) on onnxruntime-web and -node', () => {
  let web: Decoder;
  let node: Decoder;
  let manifest: ModelManifest;
  let prompt: number[];

  beforeAll(async () => {
    const files = await readModelDir(await testModelDir());
    manifest = files.manifest as ModelManifest;
    [web, node] = await Promise.all([
      Decoder.create(createWebBinding(), files.model, manifest),
      Decoder.create(createNodeBinding(), files.model, manifest),
    ]);
    prompt = loadTokenizer(files.tokenizer).encode('In the beginning God created the heaven and the earth.');
  }, BUILD_TIMEOUT_MS);

  it('discovers layers, heads, head size, vocabulary and context', () => {
    const arch = manifest.architecture!;
    for (const d of [web, node]) {
      expect(d.shape).toEqual({
        layers: arch.n_layer,
        heads: arch.n_head,
        headDim: arch.head_dim,
        vocabSize: manifest.vocab_size,
        contextLength: manifest.context_length,
      });
    }
  });

  it('web and node logits agree to 1e-4: prefill (every row) and one decode step', async () => {
    const [sw, sn] = [web.newSequence(), node.newSequence()];
    const [pw, pn] = await Promise.all([web.forward(sw, prompt), node.forward(sn, prompt)]);
    expect(pw.rows).toBe(prompt.length);
    expect(maxAbsDiff(pw.data, pn.data)).toBeLessThanOrEqual(TOLERANCE);
    const next = argmax(lastRow(pn));
    const [dw, dn] = [await web.forward(sw, [next]), await node.forward(sn, [next])];
    expect(dw.rows).toBe(1);
    expect(maxAbsDiff(dw.data, dn.data)).toBeLessThanOrEqual(TOLERANCE);
    expect(sw.length).toBe(prompt.length + 1);
  });

  it.each(['web', 'node'] as const)('%s: 8 cached decode steps give the logits of a full re-run of the sequence', async (which) => {
    const d = which === 'web' ? web : node;
    const seq = d.newSequence();
    const ids = [...prompt];
    let logits = lastRow(await d.forward(seq, ids));
    for (let step = 0; step < 8; step++) {
      const next = argmax(logits);
      ids.push(next);
      logits = lastRow(await d.forward(seq, [next])); // one token in, past from the cache
      const full = lastRow(await d.forward(d.newSequence(), ids)); // the whole sequence, no cache
      expect(maxAbsDiff(logits, full), `step ${step}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it.each(['web', 'node'] as const)(
    '%s: batched decode (ragged lengths, joins and leaves) gives each sequence its own logits',
    async (which) => {
      const d = which === 'web' ? web : node;
      // three prompts of different lengths: the batch left-pads the shorter caches
      const prompts = [prompt, prompt.slice(0, 5), prompt.slice(3, 12)];
      const solo = prompts.map(() => d.newSequence());
      const batched = prompts.map(() => d.newSequence());
      const next: number[] = [];
      for (const [i, p] of prompts.entries()) {
        next[i] = argmax(lastRow(await d.forward(solo[i]!, p)));
        await d.forward(batched[i]!, p);
      }
      // steps 0–3 all three (step 0 gathers, 1–3 reuse the block), then the first leaves (gather),
      // then a fourth joins (gather) for steps 6–7
      const late = d.newSequence();
      const lateSolo = d.newSequence();
      let lateNext = argmax(lastRow(await d.forward(lateSolo, prompt.slice(1, 4))));
      await d.forward(late, prompt.slice(1, 4));
      for (let step = 0; step < 8; step++) {
        const rows = step < 4 ? [0, 1, 2] : [1, 2];
        const seqs = rows.map((i) => batched[i]!);
        const ids = rows.map((i) => [next[i]!]);
        if (step >= 6) {
          seqs.push(late);
          ids.push([lateNext]);
        }
        const out = await d.forwardBatch(seqs, ids);
        for (const [b, i] of rows.entries()) {
          const alone = lastRow(await d.forward(solo[i]!, [next[i]!]));
          expect(maxAbsDiff(lastRow(out[b]!), alone), `step ${step} row ${i}`).toBeLessThanOrEqual(TOLERANCE);
          next[i] = argmax(alone);
        }
        if (step >= 6) {
          const alone = lastRow(await d.forward(lateSolo, [lateNext]));
          expect(maxAbsDiff(lastRow(out.at(-1)!), alone), `step ${step} late`).toBeLessThanOrEqual(TOLERANCE);
          lateNext = argmax(alone);
        }
      }
      expect(batched.map((s) => s.length)).toEqual(solo.map((s) => s.length));
    },
  );

  it('refuses a batch with a sequence twice, unequal rows or a sequence past the context', async () => {
    const [a, b] = [node.newSequence(), node.newSequence()];
    await node.forward(a, prompt.slice(0, 3));
    await node.forward(b, prompt.slice(0, 4));
    await expect(node.forwardBatch([a, a], [[1], [2]])).rejects.toThrow(/twice/);
    await expect(node.forwardBatch([a, b], [[1], [2, 3]])).rejects.toThrow(/same number/);
    await expect(node.forwardBatch([a, b], [[1]])).rejects.toThrow(/one ids array/);
    const full = node.newSequence();
    await node.forward(
      full,
      Array.from({ length: manifest.context_length }, () => prompt[0]!),
    );
    await expect(node.forwardBatch([a, full], [[1], [2]])).rejects.toBeInstanceOf(ContextLengthExceededError);
    expect([a.length, b.length]).toEqual([3, 4]); // nothing ran
  });

  it('refuses to grow a sequence past the context length', async () => {
    const seq = web.newSequence();
    const tooLong = Array.from({ length: manifest.context_length + 1 }, () => prompt[0]!);
    await expect(web.forward(seq, tooLong)).rejects.toBeInstanceOf(ContextLengthExceededError);
    expect(seq.length).toBe(0);
  });

  it('measures decode speed (tokens/s, KV cache, 1 thread) in both runtimes', async () => {
    const steps = Math.min(48, manifest.context_length - prompt.length - 1);
    const rate: Record<string, number> = {};
    for (const [name, d] of [
      ['onnxruntime-web', web],
      ['onnxruntime-node', node],
    ] as const) {
      const warm = d.newSequence();
      for (const id of prompt.slice(0, 8)) await d.forward(warm, [id]); // warm-up: first runs allocate
      const seq: KvSequence = d.newSequence();
      let logits = lastRow(await d.forward(seq, prompt));
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) logits = lastRow(await d.forward(seq, [argmax(logits)]));
      rate[name] = Math.round((1000 * steps) / (performance.now() - t0));
    }
    console.log(`[edge-model] decode ${manifest.name}@${manifest.version}, ${steps} steps: ${JSON.stringify(rate)} tokens/s`);
    expect(rate['onnxruntime-web']).toBeGreaterThan(0);
  });
});
