/**
 * KD dataset shards (DESIGN.md §5), read by gpu-worker/trainer/distill.py. A shard is a pair:
 *
 *   shard-00000.bin   little-endian, no padding between sections, N = sequences × seq_len:
 *                       input    int32   [N]
 *                       target   int32   [N]
 *                       ids      int32   [N, k]   teacher top-k token ids, best first
 *                       logprobs float16 [N, k]   their log-probabilities (raw logits, T = 1)
 *   shard-00000.json  {"format": "distillgate-kd-shard/1", "n", "k", "seq_len", "sequences",
 *                      "sha256" (of the .bin), "source": "corpus-train" | "continuation",
 *                      "teacher": {"model", "version", "tokenizer_sha256", "base_url"}, "created_at"}
 *
 * Rows of one sequence are consecutive (row = sequence × seq_len + position). numpy reads it as
 * `np.frombuffer(b, "<i4", N)`, `…("<i4", N, offset=4N)`, `…("<i4", N*k, offset=8N).reshape(N, k)`,
 * `…("<f2", N*k, offset=(8 + 4k)N).reshape(N, k)`. Rows with fewer than k teacher alternatives are
 * padded (logprob −65504, unused ids; teacher/scoring-response.ts). Both files are written to
 * temporary names, fsynced, and renamed .bin first, .json last: a shard whose .json exists is whole.
 */

import { readFile, rename } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, writeTmp } from '../runner/files.ts';
import type { ScoredSequence } from '../teacher/scoring-response.ts';
import { float16Bits, float16Value } from './float16.ts';

export const SHARD_FORMAT = 'distillgate-kd-shard/1';
export type ShardSource = 'corpus-train' | 'continuation';

export interface TeacherInfo {
  model: string;
  version: string | null;
  tokenizer_sha256: string;
  base_url: string;
}

export interface ShardHeader {
  format: typeof SHARD_FORMAT;
  n: number;
  k: number;
  seq_len: number;
  sequences: number;
  sha256: string;
  source: ShardSource;
  teacher: TeacherInfo;
  created_at: string;
}

/** Decoded columns of one shard (logprobs widened to float32 from their float16 values). */
export interface ShardColumns {
  input: Int32Array;
  target: Int32Array;
  ids: Int32Array;
  logprobs: Float32Array;
}

if (endianness() !== 'LE') throw new Error('shards are written through typed arrays and need a little-endian host');

/** `shard-00042` */
export function shardName(number: number): string {
  return `shard-${String(number).padStart(5, '0')}`;
}

/** Bytes of a shard of `n` positions. */
export const shardBytes = (n: number, k: number) => n * (8 + 6 * k);

/**
 * Collects scored sequences into slots (they may arrive out of order) and encodes the first
 * `count` of them in the shard layout.
 */
export class ShardBuilder {
  private readonly input: Int32Array;
  private readonly target: Int32Array;
  private readonly ids: Int32Array;
  private readonly logprobs: Uint16Array;
  private readonly filled: Uint8Array;
  private readonly paddedPerSlot: Int32Array;

  constructor(
    readonly capacity: number,
    readonly seqLen: number,
    readonly k: number,
  ) {
    const n = capacity * seqLen;
    this.input = new Int32Array(n);
    this.target = new Int32Array(n);
    this.ids = new Int32Array(n * k);
    this.logprobs = new Uint16Array(n * k);
    this.filled = new Uint8Array(capacity);
    this.paddedPerSlot = new Int32Array(capacity);
  }

  set(slot: number, seq: ScoredSequence): void {
    const { seqLen: S, k } = this;
    if (seq.input.length !== S || seq.topIds.length !== S * k)
      throw new Error(`sequence of ${seq.input.length} positions × ${seq.topIds.length / seq.input.length}, shard wants ${S} × ${k}`);
    this.input.set(seq.input, slot * S);
    this.target.set(seq.target, slot * S);
    this.ids.set(seq.topIds, slot * S * k);
    const lp = this.logprobs;
    const base = slot * S * k;
    for (let j = 0; j < seq.topLogprobs.length; j++) lp[base + j] = float16Bits(seq.topLogprobs[j]!);
    this.paddedPerSlot[slot] = seq.padded;
    this.filled[slot] = 1;
  }

  /** How many slots from 0 are filled without a gap. */
  filledPrefix(): number {
    let i = 0;
    while (i < this.capacity && this.filled[i] === 1) i++;
    return i;
  }

  /** Padded top-k entries in slots [0, count). */
  padded(count: number): number {
    return this.paddedPerSlot.subarray(0, count).reduce((a, b) => a + b, 0);
  }

  /** The .bin bytes of slots [0, count). */
  encode(count: number): Buffer {
    const n = count * this.seqLen;
    const nk = n * this.k;
    const bytes = (a: Int32Array | Uint16Array, len: number) => Buffer.from(a.buffer, a.byteOffset, len * a.BYTES_PER_ELEMENT);
    return Buffer.concat([bytes(this.input, n), bytes(this.target, n), bytes(this.ids, nk), bytes(this.logprobs, nk)]);
  }
}

export interface WriteShardMeta {
  source: ShardSource;
  teacher: TeacherInfo;
}

/**
 * Writes `<dir>/<name>.bin` and `.json` for slots [0, count) of `builder`, atomically.
 * @returns the header written
 */
export async function writeShard(
  dir: string,
  name: string,
  builder: ShardBuilder,
  count: number,
  meta: WriteShardMeta,
): Promise<ShardHeader> {
  const bin = builder.encode(count);
  const n = count * builder.seqLen;
  const header: ShardHeader = {
    format: SHARD_FORMAT,
    n,
    k: builder.k,
    seq_len: builder.seqLen,
    sequences: count,
    sha256: sha256Hex(bin),
    source: meta.source,
    teacher: meta.teacher,
    created_at: new Date().toISOString(),
  };
  const binPath = join(dir, `${name}.bin`);
  const jsonPath = join(dir, `${name}.json`);
  const binTmp = await writeTmp(binPath, bin);
  const jsonTmp = await writeTmp(jsonPath, `${JSON.stringify(header, null, 2)}\n`);
  await rename(binTmp, binPath);
  await rename(jsonTmp, jsonPath);
  return header;
}

/** Splits .bin bytes into columns. @throws Error when the size does not match the header */
export function decodeShard(bin: Uint8Array, header: Pick<ShardHeader, 'n' | 'k'>): ShardColumns {
  const { n, k } = header;
  if (bin.byteLength !== shardBytes(n, k))
    throw new Error(`shard has ${bin.byteLength} bytes, header says ${shardBytes(n, k)} (n=${n}, k=${k})`);
  const buf = bin.byteOffset % 4 === 0 ? bin : Uint8Array.from(bin); // Int32Array views need 4-byte alignment
  const at = (offset: number) => buf.byteOffset + offset;
  const half = new Uint16Array(buf.buffer, at((8 + 4 * k) * n), n * k);
  const logprobs = new Float32Array(n * k);
  for (let i = 0; i < half.length; i++) logprobs[i] = float16Value(half[i]!);
  return {
    input: new Int32Array(buf.buffer, at(0), n),
    target: new Int32Array(buf.buffer, at(4 * n), n),
    ids: new Int32Array(buf.buffer, at(8 * n), n * k),
    logprobs,
  };
}

/**
 * Reads one shard.
 * @param verify check the .bin's sha256 against the header @default true
 * @throws Error on a wrong format, size or hash
 */
export async function readShard(dir: string, name: string, verify = true): Promise<{ header: ShardHeader } & ShardColumns> {
  const header = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as ShardHeader;
  if (header.format !== SHARD_FORMAT) throw new Error(`${name}: format ${header.format}, expected ${SHARD_FORMAT}`);
  if (header.n !== header.sequences * header.seq_len) throw new Error(`${name}: n ${header.n} ≠ sequences × seq_len`);
  const bin = await readFile(join(dir, `${name}.bin`));
  if (verify && sha256Hex(bin) !== header.sha256) throw new Error(`${name}.bin: sha256 does not match its header`);
  return { header, ...decodeShard(bin, header) };
}
