/**
 * A causal LM in the Hugging Face Optimum "decoder with past" ONNX layout (DESIGN.md §3;
 * gpu-worker/trainer/export.py), run one sequence at a time (batch 1) with a KV cache:
 *
 *   inputs   input_ids [1,S] int64, attention_mask [1,P+S] int64, position_ids [1,S] int64 (if the
 *            graph has it), past_key_values.{i}.key|value [1,H,P,hd] float32   (P = 0 on prefill)
 *   outputs  logits [1,S,V] float32, present.{i}.key|value [1,H,P+S,hd] float32
 *
 * `forward(seq, ids)` appends `ids` to the sequence: the first call is the prefill (the whole prompt
 * once), later calls feed one sampled token and the previous `present.*` as `past_key_values.*`, so
 * the prompt is never re-run. Layer count comes from the input names; heads and head size from the
 * input metadata (numeric axes 1 and 3) or else the manifest's `architecture`.
 */
import { float32Data, type OrtBinding, type OrtSessionLike, type OrtTensorLike } from './binding.ts';
import { ContextLengthExceededError } from './errors.ts';
import type { ModelManifest } from './manifest.ts';

export interface DecoderShape {
  layers: number;
  heads: number;
  headDim: number;
  vocabSize: number;
  /** Max tokens in a sequence (prompt + completion). */
  contextLength: number;
}

/** Logits of the `rows` positions just fed, row-major [rows, vocabSize]. */
export interface Logits {
  rows: number;
  vocabSize: number;
  data: Float32Array;
}

/** The last row of `logits` (the next-token distribution), a view, not a copy. */
export const lastRow = (logits: Logits): Float32Array => logits.data.subarray((logits.rows - 1) * logits.vocabSize);

/** One sequence's KV cache. Owned by one generation; not shareable across concurrent calls. */
export class KvSequence {
  /** Tokens already in the cache (P). */
  length = 0;
  /** present.* of the last run in graph input order (key, value per layer), or null before prefill. */
  past: OrtTensorLike[] | null = null;
  busy = false;
  /** Set when a run failed: the old past was released, so the sequence cannot continue. */
  failed = false;

  dispose(): void {
    for (const t of this.past ?? []) t.dispose?.();
    this.past = null;
  }
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

export class Decoder {
  private constructor(
    private readonly binding: OrtBinding,
    private readonly session: OrtSessionLike,
    readonly shape: DecoderShape,
    private readonly hasPositionIds: boolean,
  ) {}

  /**
   * Creates the session and discovers the shape.
   * @throws Error when the graph is not in the Optimum decoder-with-past layout, or heads/head size
   *   are neither declared in the graph nor in `manifest.architecture`
   */
  static async create(binding: OrtBinding, modelBytes: Uint8Array, manifest: ModelManifest): Promise<Decoder> {
    const session = await binding.createSession(modelBytes);
    try {
      const { shape, hasPositionIds } = discoverShape(session, manifest);
      return new Decoder(binding, session, shape, hasPositionIds);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  newSequence(): KvSequence {
    return new KvSequence();
  }

  /**
   * Appends `ids` to `seq` and returns their logits [ids.length, V].
   * @throws ContextLengthExceededError when seq.length + ids.length > contextLength
   * @throws Error when `ids` is empty, `seq` is in use by another call or failed before, or the
   *   runtime fails (the sequence is then unusable)
   */
  async forward(seq: KvSequence, ids: readonly number[]): Promise<Logits> {
    const { layers, heads, headDim, vocabSize, contextLength } = this.shape;
    const P = seq.length;
    const S = ids.length;
    if (S === 0) throw new Error('forward: no tokens');
    if (P + S > contextLength) throw new ContextLengthExceededError(P, S, contextLength);
    if (seq.busy) throw new Error('forward: sequence already running');
    if (seq.failed) throw new Error('forward: sequence unusable after a failed run');
    const b = this.binding;
    const feeds: Record<string, OrtTensorLike> = {
      input_ids: b.int64(BigInt64Array.from(ids, BigInt), [1, S]),
      attention_mask: b.int64(new BigInt64Array(P + S).fill(1n), [1, P + S]),
    };
    if (this.hasPositionIds)
      feeds.position_ids = b.int64(
        BigInt64Array.from({ length: S }, (_, i) => BigInt(P + i)),
        [1, S],
      );
    for (let i = 0; i < layers; i++) {
      for (const [j, kv] of (['key', 'value'] as const).entries()) {
        feeds[`past_key_values.${i}.${kv}`] = seq.past?.[2 * i + j] ?? b.float32(new Float32Array(0), [1, heads, 0, headDim]);
      }
    }
    seq.busy = true;
    let out: Record<string, OrtTensorLike>;
    try {
      out = await this.session.run(feeds);
    } catch (error) {
      seq.past = null; // the old past is disposed below
      seq.failed = true;
      throw error;
    } finally {
      seq.busy = false;
      for (const t of Object.values(feeds)) t.dispose?.();
    }
    const logits = out.logits;
    if (logits?.dims.length !== 3 || logits.dims[1] !== S || logits.dims[2] !== vocabSize) {
      throw new Error(`logits dims ${JSON.stringify(logits?.dims)}, expected [1,${S},${vocabSize}]`);
    }
    seq.past = Array.from({ length: 2 * layers }, (_, k) => {
      const name = `present.${k >> 1}.${k & 1 ? 'value' : 'key'}`;
      const t = out[name];
      if (!t || t.dims[2] !== P + S) throw new Error(`${name} dims ${JSON.stringify(t?.dims)}, expected past length ${P + S}`);
      return t;
    });
    seq.length = P + S;
    return { rows: S, vocabSize, data: float32Data(logits, 'logits') };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Layers from input names; H and hd from metadata or manifest; V from logits metadata or manifest. */
function discoverShape(session: OrtSessionLike, manifest: ModelManifest): { shape: DecoderShape; hasPositionIds: boolean } {
  const names = new Set(session.inputNames);
  for (const required of ['input_ids', 'attention_mask']) {
    if (!names.has(required)) throw new Error(`model has no '${required}' input: not an Optimum decoder`);
  }
  const layers = session.inputNames.filter((n) => PAST.exec(n)?.[2] === 'key').length;
  if (layers === 0) throw new Error('model has no past_key_values.* inputs: export it with past (decoder-with-past)');
  for (let i = 0; i < layers; i++) {
    for (const name of [`past_key_values.${i}.key`, `past_key_values.${i}.value`, `present.${i}.key`, `present.${i}.value`]) {
      if (!names.has(name) && !session.outputNames.includes(name)) throw new Error(`model lacks '${name}'`);
    }
  }
  if (!session.outputNames.includes('logits')) throw new Error("model has no 'logits' output");
  const pastShape = session.inputMetadata?.find((m) => m.name === 'past_key_values.0.key')?.shape;
  const logitsShape = session.outputMetadata?.find((m) => m.name === 'logits')?.shape;
  const numeric = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
  const arch = manifest.architecture ?? {};
  const heads = numeric(pastShape?.[1]) ?? numeric(arch.n_head);
  const headDim = numeric(pastShape?.[3]) ?? numeric(arch.head_dim);
  const vocabSize = numeric(logitsShape?.[2]) ?? numeric(manifest.vocab_size);
  if (!heads || !headDim) throw new Error('cannot tell heads/head size: not in the graph metadata nor manifest.architecture');
  if (!vocabSize) throw new Error('cannot tell the vocabulary size: not in the graph metadata nor manifest.vocab_size');
  if (manifest.architecture?.n_layer !== undefined && manifest.architecture.n_layer !== layers) {
    throw new Error(`graph has ${layers} layers, manifest says ${manifest.architecture.n_layer}`);
  }
  return {
    shape: { layers, heads, headDim, vocabSize, contextLength: manifest.context_length },
    hasPositionIds: names.has('position_ids'),
  };
}
