/**
 * A causal LM in the Hugging Face Optimum "decoder with past" ONNX layout (DESIGN.md §3;
 * gpu-worker/trainer/export.py), run with a KV cache, one sequence or a batch of them per run:
 *
 *   inputs   input_ids [B,S] int64, attention_mask [B,T+S] int64, position_ids [B,S] int64 (if the
 *            graph has it), past_key_values.{i}.key|value [B,H,T,hd] float32   (T = 0 on prefill)
 *   outputs  logits [B,S,V] float32, present.{i}.key|value [B,H,T+S,hd] float32
 *
 * `forward(seq, ids)` appends `ids` to one sequence: the first call is the prefill (the whole prompt
 * once), later calls feed one sampled token and the cache, so the prompt is never re-run.
 * `forwardBatch(seqs, ids)` does the same for B sequences in ONE run (step-level batching: the
 * weights are read once for B rows). Sequences of different lengths share a run by LEFT padding:
 * row b's cache is the last P_b of the T positions, the T − P_b before it are zeros that
 * attention_mask hides (0), and position_ids carry each row's own positions P_b … P_b+S−1 — the
 * usual padded-batch convention of Hugging Face generation. The outputs stay as one shared block;
 * while the same sequences run together in the same order, the next run feeds that block as is
 * (no copy); when a sequence joins or leaves, the caches are gathered into a new block (one copy).
 *
 * Layer count comes from the input names; heads and head size from the input metadata (numeric
 * axes 1 and 3) or else the manifest's `architecture`.
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

/**
 * The `present.*` outputs of one run, shared by its B rows: 2·layers tensors [B,H,T,hd] in graph
 * input order (key, value per layer); row b's cache is its last T − pads[b] positions. Freed when
 * the last sequence that lives in it moves on or is disposed.
 */
class KvBlock {
  private refs: number;

  constructor(
    readonly tensors: OrtTensorLike[],
    readonly rows: number,
    /** T, positions per row including padding. */
    readonly length: number,
    /** Left padding per row, length `rows`. */
    readonly pads: readonly number[],
  ) {
    this.refs = rows;
  }

  release(): void {
    if (--this.refs === 0) for (const t of this.tensors) t.dispose?.();
  }
}

/** One sequence's KV cache. Owned by one generation; in one run at a time. */
export class KvSequence {
  /** Tokens already in the cache (P). */
  length = 0;
  /** The block holding this sequence's cache (row `row`), or null before the prefill. */
  block: KvBlock | null = null;
  row = 0;
  busy = false;
  /** Set when a run failed: the cache was dropped, so the sequence cannot continue. */
  failed = false;

  /** Lets go of the cache (the block is freed when no sequence uses it any more). */
  dispose(): void {
    this.block?.release();
    this.block = null;
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

  /** Whether sequences of different lengths can share a run (needs a position_ids input). */
  get canBatch(): boolean {
    return this.hasPositionIds;
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
    return (await this.forwardBatch([seq], [ids]))[0]!;
  }

  /**
   * Appends `ids[b]` to `seqs[b]` for every b in one run; returns each row's logits [S, V].
   * Every `ids[b]` has the same length S (one token per sequence when decoding).
   * @throws ContextLengthExceededError when a sequence would pass contextLength (nothing runs)
   * @throws Error for an empty batch, unequal or empty `ids`, a sequence listed twice, busy or
   *   failed, B > 1 on a graph without position_ids, or a runtime failure (every sequence of the
   *   run is then unusable)
   */
  async forwardBatch(seqs: readonly KvSequence[], ids: ReadonlyArray<readonly number[]>): Promise<Logits[]> {
    const { layers, vocabSize, contextLength } = this.shape;
    const B = seqs.length;
    const S = ids[0]?.length ?? 0;
    if (B === 0 || ids.length !== B) throw new Error('forwardBatch: one ids array per sequence');
    if (S === 0) throw new Error('forward: no tokens');
    if (ids.some((row) => row.length !== S)) throw new Error('forwardBatch: every row must feed the same number of tokens');
    if (B > 1 && !this.hasPositionIds) throw new Error('forwardBatch: batching needs a position_ids input');
    if (new Set(seqs).size !== B) throw new Error('forwardBatch: a sequence is listed twice');
    for (const seq of seqs) {
      if (seq.length + S > contextLength) throw new ContextLengthExceededError(seq.length, S, contextLength);
      if (seq.busy) throw new Error('forward: sequence already running');
      if (seq.failed) throw new Error('forward: sequence unusable after a failed run');
    }
    const reused = sharedBlock(seqs);
    const T = reused?.length ?? Math.max(...seqs.map((s) => s.length));
    const pads = reused?.pads ?? seqs.map((s) => T - s.length);
    const past = reused?.tensors ?? this.gather(seqs, T);
    const feeds = this.feeds(seqs, ids, T, pads);
    for (let k = 0; k < 2 * layers; k++) feeds[`past_key_values.${k >> 1}.${k & 1 ? 'value' : 'key'}`] = past[k]!;
    for (const seq of seqs) seq.busy = true;
    let out: Record<string, OrtTensorLike>;
    try {
      out = await this.session.run(feeds);
    } catch (error) {
      for (const seq of seqs) {
        seq.dispose();
        seq.failed = true;
      }
      throw error;
    } finally {
      for (const seq of seqs) seq.busy = false;
      for (const [name, t] of Object.entries(feeds)) if (!reused || !PAST.test(name)) t.dispose?.();
    }
    const logits = out.logits;
    if (logits?.dims.length !== 3 || logits.dims[0] !== B || logits.dims[1] !== S || logits.dims[2] !== vocabSize) {
      throw new Error(`logits dims ${JSON.stringify(logits?.dims)}, expected [${B},${S},${vocabSize}]`);
    }
    const present = Array.from({ length: 2 * layers }, (_, k) => {
      const name = `present.${k >> 1}.${k & 1 ? 'value' : 'key'}`;
      const t = out[name];
      if (!t || t.dims[0] !== B || t.dims[2] !== T + S)
        throw new Error(`${name} dims ${JSON.stringify(t?.dims)}, expected [${B},·,${T + S},·]`);
      return t;
    });
    const block = new KvBlock(present, B, T + S, pads);
    seqs.forEach((seq, b) => {
      seq.dispose();
      seq.block = block;
      seq.row = b;
      seq.length += S;
    });
    const data = float32Data(logits, 'logits');
    return seqs.map((_, b) => ({ rows: S, vocabSize, data: data.subarray(b * S * vocabSize, (b + 1) * S * vocabSize) }));
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** input_ids [B,S], attention_mask [B,T+S] (0 over each row's left padding), position_ids [B,S]. */
  private feeds(
    seqs: readonly KvSequence[],
    ids: ReadonlyArray<readonly number[]>,
    T: number,
    pads: readonly number[],
  ): Record<string, OrtTensorLike> {
    const b = this.binding;
    const B = seqs.length;
    const S = ids[0]!.length;
    const inputIds = new BigInt64Array(B * S);
    const mask = new BigInt64Array(B * (T + S));
    const positions = new BigInt64Array(B * S);
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < S; j++) {
        inputIds[r * S + j] = BigInt(ids[r]![j]!);
        positions[r * S + j] = BigInt(seqs[r]!.length + j);
      }
      mask.fill(1n, r * (T + S) + pads[r]!, (r + 1) * (T + S));
    }
    const feeds: Record<string, OrtTensorLike> = { input_ids: b.int64(inputIds, [B, S]), attention_mask: b.int64(mask, [B, T + S]) };
    if (this.hasPositionIds) feeds.position_ids = b.int64(positions, [B, S]);
    return feeds;
  }

  /**
   * Copies each sequence's cache into new tensors [B,H,T,hd], row b left-padded by T − P_b.
   * Cost: one copy of every cached position, O(B·layers·H·T·hd) floats.
   */
  private gather(seqs: readonly KvSequence[], T: number): OrtTensorLike[] {
    const { layers, heads: H, headDim: hd } = this.shape;
    const B = seqs.length;
    return Array.from({ length: 2 * layers }, (_, k) => {
      const dst = new Float32Array(B * H * T * hd);
      seqs.forEach((seq, b) => {
        const src = seq.block;
        if (!src) return;
        const data = float32Data(src.tensors[k]!, 'present');
        const Ts = src.length;
        const from = src.pads[seq.row]!;
        for (let h = 0; h < H; h++) {
          const s0 = ((seq.row * H + h) * Ts + from) * hd;
          dst.set(data.subarray(s0, s0 + seq.length * hd), ((b * H + h) * T + T - seq.length) * hd);
        }
      });
      return this.binding.float32(dst, [B, H, T, hd]);
    });
  }
}

/** The block all `seqs` live in, when they are exactly its rows in order (feed it without a copy). */
function sharedBlock(seqs: readonly KvSequence[]): KvBlock | null {
  const block = seqs[0]!.block;
  if (!block || block.rows !== seqs.length) return null;
  return seqs.every((s, b) => s.block === block && s.row === b) ? block : null;
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
