/**
 * Sequences to score, each S + 1 token ids (S = 255 positions for a context of 256).
 *
 * Corpus: `<cache>/tokenizer/train.bin` is uint16 little-endian ids, documents joined by
 * `<|endoftext|>` (gpu-worker/trainer/bpe.py `encode_splits`; train.py reads it with
 * `np.memmap(dtype=np.uint16)`). Window w covers ids [w·S, w·S + S + 1): consecutive windows share
 * one token, so every token but the first is a target exactly once, and a window may span a
 * document boundary (the EOT between them is a token like any other, as in train.py's batches).
 * When the budget wants fewer windows than the file has, they are spread evenly over the file
 * (plan index i → window ⌊i · available / count⌋), so every source of the corpus is represented.
 *
 * Continuations: each (prompt ids + completion ids + EOT) in prompt order, concatenated and cut
 * into windows the same way; a tail shorter than S + 1 is dropped.
 */
import { readFile } from 'node:fs/promises';

/** Reads a uint16 token file. @throws Error on an odd byte length */
export async function readTokenFile(path: string): Promise<Uint16Array> {
  const buf = await readFile(path);
  if (buf.byteLength % 2 !== 0) throw new Error(`${path}: ${buf.byteLength} bytes is not a whole number of uint16 ids`);
  const aligned = buf.byteOffset % 2 === 0 ? buf : Buffer.from(buf);
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2).slice(); // LE host (see shard.ts)
}

/** Windows of S + 1 ids with stride S in `tokens`. */
export const windowsIn = (tokens: ArrayLike<number>, S: number) => Math.max(0, Math.floor((tokens.length - 1) / S));

export interface SequencePlan {
  /** Sequences in the plan. */
  count: number;
  /** Windows the source has. */
  available: number;
  /** The ids of plan sequence i (S + 1 of them). */
  sequence(i: number): Uint16Array | number[];
}

/** `count` windows of `tokens`, spread evenly (all of them, in order, when count ≥ available). */
export function corpusPlan(tokens: Uint16Array, S: number, count: number): SequencePlan {
  const available = windowsIn(tokens, S);
  const n = Math.min(count, available);
  return {
    count: n,
    available,
    sequence(i) {
      if (i < 0 || i >= n) throw new RangeError(`sequence ${i} outside 0..${n - 1}`);
      const w = Math.floor((i * available) / n);
      return tokens.subarray(w * S, w * S + S + 1);
    },
  };
}

/** The token stream of continuation records (each followed by one EOT unless it already ends in one). */
export function continuationStream(pieces: ReadonlyArray<readonly number[]>, eot: number): number[] {
  const stream: number[] = [];
  for (const ids of pieces) {
    if (ids.length === 0) continue;
    stream.push(...ids);
    if (ids[ids.length - 1] !== eot) stream.push(eot);
  }
  return stream;
}

/** Windows of the continuation stream, at most `maxCount`, in order. */
export function streamPlan(stream: readonly number[], S: number, maxCount: number): SequencePlan {
  const available = windowsIn(stream, S);
  const n = Math.min(maxCount, available);
  return {
    count: n,
    available,
    sequence(i) {
      if (i < 0 || i >= n) throw new RangeError(`sequence ${i} outside 0..${n - 1}`);
      return stream.slice(i * S, i * S + S + 1);
    },
  };
}

export interface BudgetSplit {
  corpus: number;
  continuation: number;
}

/**
 * How many sequences of each kind: `total` = ⌊tokenBudget / S⌋, continuations up to
 * ⌊total · share⌋ (and what the prompts gave), the corpus fills the rest up to what it has; then
 * continuations are trimmed again so they stay ≤ share of all positions when the corpus ran short.
 */
export function splitBudget(
  tokenBudget: number,
  S: number,
  share: number,
  continuationAvailable: number,
  corpusAvailable: number,
): BudgetSplit {
  const total = Math.floor(tokenBudget / S);
  let continuation = Math.min(continuationAvailable, Math.floor(total * share));
  const corpus = Math.min(corpusAvailable, total - continuation);
  if (share < 1) continuation = Math.min(continuation, Math.floor((share * corpus) / (1 - share)));
  return { corpus, continuation };
}
