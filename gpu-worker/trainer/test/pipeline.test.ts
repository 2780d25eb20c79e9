/**
 * The trainer's smoke pipeline (smoke.py: corpus slice → BPE → train/resume → ONNX → evaluate),
 * checked from the runtime side: the ONNX graph in onnxruntime-node must reproduce the torch logits
 * for a prefill and a cached decode step, and @huggingface/tokenizers must reproduce the Python ids.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonSkipReason, runTrainer } from './python.ts';

const SMOKE_TIMEOUT_MS = 300_000;
const skipReason = pythonSkipReason();
if (skipReason) console.warn(`[gpu-worker/trainer] ${skipReason}`);

interface Smoke {
  model_dir: string;
  tokenizer_dir: string;
  parity_fixture: string;
  tokenizer_fixture: string;
  preset_parameters: Record<string, number>;
  timingsMs: Record<string, number>;
}

interface Step {
  input_ids: number[][];
  attention_mask: number[][];
  position_ids: number[][];
  logits_dims: number[];
  logits: number[];
}

interface ParityFixture {
  n_layer: number;
  n_head: number;
  head_dim: number;
  vocab_size: number;
  prefill: Step;
  decode: Step & { present_dims: number[] };
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe.skipIf(skipReason !== null)('trainer smoke pipeline (Python → ONNX → TS)', () => {
  let out: string;
  let smoke: Smoke;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'distillgate-smoke-'));
    await runTrainer('smoke.py', ['--out', out], SMOKE_TIMEOUT_MS);
    smoke = readJson<Smoke>(join(out, 'smoke.json'));
  }, SMOKE_TIMEOUT_MS);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes a manifest whose hashes, sizes and metrics match the artifacts', () => {
    const manifest = readJson<Record<string, unknown> & { files: Record<string, { sha256: string }> }>(
      join(smoke.model_dir, 'manifest.json'),
    );
    expect(manifest).toMatchObject({ name: 'smoke', version: '0.0.0', parent: null, context_length: 64, quantization: null });
    for (const [file, entry] of Object.entries(manifest.files)) expect(entry.sha256).toBe(sha256(join(smoke.model_dir, file)));
    expect(manifest.tokenizer_sha256).toBe(sha256(join(smoke.model_dir, 'tokenizer.json')));
    expect(manifest.chat_template).toEqual(expect.any(String));
    const metrics = manifest.metrics as Record<string, { value: number; command: string }>;
    for (const key of ['test_perplexity', 'test_top1_accuracy', 'bigram_test_perplexity']) {
      expect(metrics[key]?.value).toBeGreaterThan(0);
      expect(metrics[key]?.command).toContain('evaluate.py');
    }
    expect((manifest.training as { stretches: number }).stretches).toBe(2); // trained, then resumed
  });

  it('sizes the real presets as DESIGN.md §3 says (embeddings counted)', () => {
    expect(smoke.preset_parameters.teacher).toBeGreaterThan(5_500_000);
    expect(smoke.preset_parameters.teacher).toBeLessThan(6_500_000);
    expect(smoke.preset_parameters.student).toBeGreaterThan(800_000);
    expect(smoke.preset_parameters.student).toBeLessThan(1_200_000);
  });

  it('runs in onnxruntime-node: prefill from an empty past, then a cached decode, match torch to 1e-4', async () => {
    process.env.ORT_DISABLE_TELEMETRY = '1';
    const ort = await import('onnxruntime-node');
    const fx = readJson<ParityFixture>(smoke.parity_fixture);
    const session = await ort.InferenceSession.create(join(smoke.model_dir, 'model.onnx'), { intraOpNumThreads: 1 });
    const layers = Array.from({ length: fx.n_layer }, (_, i) => i);
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      ...layers.flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]),
    ]);
    expect(session.outputNames).toEqual(['logits', ...layers.flatMap((i) => [`present.${i}.key`, `present.${i}.value`])]);

    const int64 = (rows: number[][]) =>
      new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0]!.length]);
    const batch = fx.prefill.input_ids.length;
    const emptyPast = new ort.Tensor('float32', new Float32Array(0), [batch, fx.n_head, 0, fx.head_dim]);
    const feeds = (step: Step, past: (name: string) => InstanceType<typeof ort.Tensor>) => ({
      input_ids: int64(step.input_ids),
      attention_mask: int64(step.attention_mask),
      position_ids: int64(step.position_ids),
      ...Object.fromEntries(
        layers.flatMap((i) => ['key', 'value'].map((kv) => [`past_key_values.${i}.${kv}`, past(`present.${i}.${kv}`)])),
      ),
    });
    const maxAbsDiff = (got: Float32Array, want: number[]) => {
      expect(got.length).toBe(want.length);
      return want.reduce((m, w, i) => Math.max(m, Math.abs(w - got[i]!)), 0);
    };

    const prefill = await session.run(feeds(fx.prefill, () => emptyPast));
    expect(prefill.logits!.dims).toEqual(fx.prefill.logits_dims);
    expect(maxAbsDiff(prefill.logits!.data as Float32Array, fx.prefill.logits)).toBeLessThanOrEqual(1e-4);

    const decode = await session.run(feeds(fx.decode, (name) => prefill[name]!));
    expect(decode.logits!.dims).toEqual(fx.decode.logits_dims);
    expect(decode['present.0.key']!.dims).toEqual(fx.decode.present_dims);
    expect(maxAbsDiff(decode.logits!.data as Float32Array, fx.decode.logits)).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  it('loads tokenizer.json in @huggingface/tokenizers with the Python ids and a lossless round trip', () => {
    const tokenizer = new Tokenizer(
      readJson(join(smoke.model_dir, 'tokenizer.json')),
      readJson(join(smoke.model_dir, 'tokenizer_config.json')),
    );
    const docs = readFileSync(smoke.tokenizer_fixture, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; text: string; ids: number[] });
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      const ids = tokenizer.encode(doc.text, { add_special_tokens: false }).ids;
      expect(ids, doc.id).toEqual(doc.ids);
      expect(tokenizer.decode(ids), doc.id).toBe(doc.text);
    }
    const eot = tokenizer.token_to_id('<|endoftext|>');
    expect(eot).toBe(511);
    expect(tokenizer.encode('a<|endoftext|>b', { add_special_tokens: false }).ids).toContain(eot);
  });
});
