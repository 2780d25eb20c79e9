/**
 * The tokenized test split and its evaluation windows.
 *
 * File: `<cache>/tokenizer/test.bin` written by gpu-worker/trainer/bpe.py — raw uint16 token ids,
 * little-endian (numpy `tofile` on x86/ARM), no header; documents joined by `<|endoftext|>` (the
 * last id of the vocabulary, 4095 for ours), so a window may span a document boundary, as in
 * gpu-worker/trainer/evaluate.py.
 *
 * Windows (the same cut as evaluate.py): consecutive windows of T+1 tokens overlapping by one
 * (starts 0, T, 2T, …; the last one may be shorter), each fed as T inputs predicting the next T
 * tokens, so every token after the first is predicted exactly once with up to T−1 tokens of left
 * context. T = the context length.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface TestTokens {
  /** Token ids, the first `maxTokens` of the file. */
  ids: Uint16Array;
  /** Tokens in the whole file. */
  fileTokens: number;
  /** sha256 (hex) of the bytes of the ids used: two evaluations compare only on equal slices. */
  sha256: string;
}

/**
 * Reads the first `maxTokens` ids of a uint16 token file.
 * @throws Error when the file's length is odd, it holds fewer than 2 tokens, or an id ≥ vocabSize
 */
export async function readTestTokens(path: string, maxTokens: number, vocabSize: number): Promise<TestTokens> {
  const bytes = await readFile(path);
  if (bytes.byteLength % 2 !== 0) throw new Error(`${path}: ${bytes.byteLength} bytes, not a uint16 token file`);
  const fileTokens = bytes.byteLength / 2;
  const n = Math.min(fileTokens, maxTokens);
  if (n < 2) throw new Error(`${path}: ${n} tokens; at least 2 are needed to predict one`);
  const used = bytes.subarray(0, 2 * n);
  const ids = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const id = used.readUInt16LE(2 * i);
    if (id >= vocabSize) throw new Error(`${path}: token ${i} is ${id}, outside the vocabulary (${vocabSize})`);
    ids[i] = id;
  }
  return { ids, fileTokens, sha256: createHash('sha256').update(used).digest('hex') };
}

/** One window: `inputs` (length S ≤ T) and the `targets` they predict (length S, shifted by one). */
export interface Window {
  start: number;
  inputs: number[];
  targets: number[];
}

/** The windows of `ids` for context length `T` (see the file comment). */
export function windows(ids: Uint16Array, T: number): Window[] {
  const out: Window[] = [];
  for (let start = 0; start < ids.length - 1; start += T) {
    const w = Array.from(ids.subarray(start, Math.min(start + T + 1, ids.length)));
    out.push({ start, inputs: w.slice(0, -1), targets: w.slice(1) });
  }
  return out;
}
