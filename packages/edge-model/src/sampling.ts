/**
 * Next-token choice from raw logits, in the order Hugging Face `generate` and vLLM apply them:
 * temperature → top_k → top_p → draw.
 *
 * - temperature 0 is greedy (argmax; ties go to the lowest id), as OpenAI documents for T = 0.
 * - top_k keeps the k highest logits (0 = off). Fan et al. 2018, "Hierarchical Neural Story
 *   Generation", §5.4.
 * - top_p keeps the smallest set of most-likely tokens whose probability sums to ≥ top_p, then
 *   renormalises (nucleus sampling; Holtzman et al. 2020, "The Curious Case of Neural Text
 *   Degeneration", §3.1). At least one token always survives.
 * - draws use `prng.ts` (xoshiro128**): the same seed and logits give the same tokens.
 */
import { Xoshiro128StarStar } from './prng.ts';

export interface SamplingParams {
  /** Softmax temperature, 0..2; 0 = greedy. @default 1 */
  temperature?: number;
  /** Nucleus mass, (0, 1]. @default 1 (off) */
  top_p?: number;
  /** Keep the k most likely tokens; 0 = off. @default 0 */
  top_k?: number;
  /** Seed for the PRNG (any safe integer); absent = seeded from Web Crypto. */
  seed?: number;
}

/** The distribution a draw is made from: token ids (ascending) and their probabilities. */
export interface Candidates {
  ids: Uint32Array;
  probs: Float64Array;
}

/** argmax; ties → lowest id. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** values[ids[j]] for each j, as a new Float64Array (a plain loop: TypedArray.from with a map is slow). */
function gather(values: Float32Array | Float64Array, ids: Uint32Array): Float64Array {
  const out = new Float64Array(ids.length);
  for (let j = 0; j < ids.length; j++) out[j] = values[ids[j]!]!;
  return out;
}

/**
 * The `count` ids (of `ids`, ascending) with the largest `values`, ties at the cut going to lower
 * ids. Uses the engine's native numeric sort (no comparator callback: ~10× faster at V = 4096).
 * @param sortedAscending values[ids] already sorted ascending, when the caller has them
 */
function largest(values: Float32Array | Float64Array, ids: Uint32Array, count: number, sortedAscending?: Float64Array): Uint32Array {
  if (count >= ids.length) return ids;
  const sorted = sortedAscending ?? gather(values, ids).sort();
  const cut = sorted[ids.length - count]!;
  let ties = count;
  for (const id of ids) if (values[id]! > cut) ties--;
  const out = new Uint32Array(count);
  let j = 0;
  for (const id of ids) {
    const v = values[id]!;
    if (v > cut || (v === cut && ties-- > 0)) out[j++] = id;
  }
  return out;
}

/**
 * softmax(logits / T) restricted by top_k and top_p, renormalised. `temperature` must be > 0.
 * O(V) when neither is on, else O(V log V) (native sorts).
 */
export function candidates(logits: Float32Array, temperature: number, topK = 0, topP = 1): Candidates {
  const V = logits.length;
  let ids: Uint32Array = new Uint32Array(V);
  for (let i = 0; i < V; i++) ids[i] = i;
  if (topK > 0 && topK < V) ids = largest(logits, ids, topK);
  let max = Number.NEGATIVE_INFINITY;
  for (const id of ids) max = Math.max(max, logits[id]!);
  const weights = new Float64Array(V); // unnormalised probabilities, only at `ids`
  let total = 0;
  for (const id of ids) {
    weights[id] = Math.exp((logits[id]! - max) / temperature);
    total += weights[id]!;
  }
  if (topP < 1) {
    // Only tokens with weight ≥ (1 − top_p)·total / V can be in the nucleus: below that, a token
    // and everything ranked after it (≤ V tokens, each no heavier) weigh < (1 − top_p)·total, so
    // the tokens ranked above it already hold > top_p of the mass. Sorting just those is exact.
    const floor = ((1 - topP) * total) / V;
    const pool = ids.filter((id) => weights[id]! >= floor);
    const sorted = gather(weights, pool).sort();
    let mass = 0;
    let n = 0;
    while (n < sorted.length && mass < topP * total) mass += sorted[sorted.length - 1 - n++]!;
    ids = largest(weights, pool, Math.max(1, n), sorted);
    total = 0;
    for (const id of ids) total += weights[id]!;
  }
  const probs = gather(weights, ids);
  for (let j = 0; j < probs.length; j++) probs[j] = probs[j]! / total;
  return { ids, probs };
}

/** A stateful sampler for one generation; `sample` consumes PRNG draws only when T > 0. */
export class Sampler {
  private readonly rng: Xoshiro128StarStar;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;

  constructor(params: SamplingParams = {}) {
    this.temperature = params.temperature ?? 1;
    this.topK = params.top_k ?? 0;
    this.topP = params.top_p ?? 1;
    if (!(this.temperature >= 0)) throw new RangeError('temperature must be ≥ 0');
    if (!(this.topP > 0 && this.topP <= 1)) throw new RangeError('top_p must be in (0, 1]');
    if (!(Number.isInteger(this.topK) && this.topK >= 0)) throw new RangeError('top_k must be an integer ≥ 0');
    this.rng = params.seed === undefined ? Xoshiro128StarStar.fromEntropy() : Xoshiro128StarStar.fromSeed(params.seed);
  }

  /** The next token id for these raw logits [V]. */
  sample(logits: Float32Array): number {
    if (this.temperature === 0 || this.topK === 1) return argmax(logits);
    if (this.topP === 1 && (this.topK === 0 || this.topK >= logits.length)) return this.sampleFull(logits);
    const { ids, probs } = candidates(logits, this.temperature, this.topK, this.topP);
    const u = this.rng.nextFloat();
    let cumulative = 0;
    for (let j = 0; j < ids.length; j++) {
      cumulative += probs[j]!;
      if (u < cumulative) return ids[j]!;
    }
    return ids[ids.length - 1]!; // u within rounding of 1
  }

  /** softmax(logits / T) over the whole vocabulary, without building candidate arrays. */
  private sampleFull(logits: Float32Array): number {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    const weights = new Float64Array(logits.length);
    let total = 0;
    for (let i = 0; i < logits.length; i++) {
      weights[i] = Math.exp((logits[i]! - max) / this.temperature);
      total += weights[i]!;
    }
    const target = this.rng.nextFloat() * total;
    let cumulative = 0;
    for (let i = 0; i < logits.length; i++) {
      cumulative += weights[i]!;
      if (target < cumulative) return i;
    }
    return argmax(logits); // target within rounding of total
  }
}
