import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pythonPath } from '../paths.ts';
import type { ScoredSequence } from '../teacher/scoring-response.ts';
import { toFloat16 } from './float16.ts';
import { decodeShard, readShard, SHARD_FORMAT, ShardBuilder, shardBytes, type TeacherInfo } from './shard.ts';
import { ShardSet } from './shard-set.ts';

const S = 4;
const K = 3;
const teacher: TeacherInfo = {
  model: 'distillgate-teacher',
  version: '0.1.0',
  tokenizer_sha256: 'ab'.repeat(32),
  base_url: 'http://127.0.0.1:1/v1',
};

/** A deterministic sequence whose values encode (seq, position, rank). */
function sequence(seq: number): ScoredSequence {
  const input = Int32Array.from({ length: S }, (_, p) => seq * 100 + p);
  const target = Int32Array.from({ length: S }, (_, p) => seq * 100 + p + 1);
  const topIds = Int32Array.from({ length: S * K }, (_, j) => seq * 1000 + j);
  const topLogprobs = Float32Array.from({ length: S * K }, (_, j) => -0.01 * (j + 1) - seq / 3);
  return { input, target, topIds, topLogprobs, padded: seq };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'distill-shards-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('shard writer and reader', () => {
  it('round-trips sequences in the documented layout (int32 LE sections, then float16)', async () => {
    const set = await ShardSet.open(dir);
    const b = new ShardBuilder(4, S, K);
    b.set(1, sequence(1)); // out of order
    b.set(0, sequence(0));
    b.set(2, sequence(2));
    expect(b.filledPrefix()).toBe(3);
    const entry = await set.add(b, 3, { source: 'corpus-train', first: 10, teacher, scoringMs: 5 });
    expect(entry).toMatchObject({ name: 'shard-00000', first: 10, count: 3, padded: 0 + 1 + 2 });

    const header = JSON.parse(readFileSync(join(dir, 'shard-00000.json'), 'utf8'));
    expect(Object.keys(header)).toEqual(['format', 'n', 'k', 'seq_len', 'sequences', 'sha256', 'source', 'teacher', 'created_at']);
    expect(header).toMatchObject({ format: SHARD_FORMAT, n: 12, k: K, seq_len: S, sequences: 3, source: 'corpus-train', teacher });
    const bin = readFileSync(join(dir, 'shard-00000.bin'));
    expect(bin.byteLength).toBe(shardBytes(12, K));
    expect(bin.readInt32LE(0)).toBe(0); // input[0]
    expect(bin.readInt32LE(4 * 12)).toBe(1); // target[0]
    expect(bin.readInt32LE(8 * 12 + 4 * K)).toBe(K); // ids[1, 0] = seq 0, j = 3
    expect(bin.readUInt16LE((8 + 4 * K) * 12)).toBe(0xa11f); // float16(-0.01)

    const shard = await readShard(dir, 'shard-00000');
    for (let s = 0; s < 3; s++) {
      const want = sequence(s);
      expect(Array.from(shard.input.subarray(s * S, (s + 1) * S))).toEqual(Array.from(want.input));
      expect(Array.from(shard.target.subarray(s * S, (s + 1) * S))).toEqual(Array.from(want.target));
      expect(Array.from(shard.ids.subarray(s * S * K, (s + 1) * S * K))).toEqual(Array.from(want.topIds));
      expect(Array.from(shard.logprobs.subarray(s * S * K, (s + 1) * S * K))).toEqual(Array.from(want.topLogprobs, toFloat16));
    }
  });

  const numpy = spawnSync(pythonPath(), ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!numpy)('reads back in numpy with the documented offsets (<i4 ×3, <f2), as distill.py does', async () => {
    const set = await ShardSet.open(dir);
    const b = new ShardBuilder(2, S, K);
    b.set(0, sequence(0));
    b.set(1, sequence(1));
    await set.add(b, 2, { source: 'corpus-train', first: 0, teacher, scoringMs: 1 });
    const script = [
      'import json, sys, numpy as np',
      'h = json.load(open(sys.argv[1] + ".json")); b = open(sys.argv[1] + ".bin", "rb").read(); N, k = h["n"], h["k"]',
      'inp = np.frombuffer(b, "<i4", N); tgt = np.frombuffer(b, "<i4", N, offset=4 * N)',
      'ids = np.frombuffer(b, "<i4", N * k, offset=8 * N).reshape(N, k)',
      'lps = np.frombuffer(b, "<f2", N * k, offset=(8 + 4 * k) * N).reshape(N, k)',
      'print(json.dumps({"input": inp.tolist(), "target": tgt.tolist(), "ids": ids.ravel().tolist(), "lps": lps.astype(float).ravel().tolist()}))',
    ].join('\n');
    const out = spawnSync(pythonPath(), ['-c', script, join(dir, 'shard-00000')], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const got = JSON.parse(out.stdout) as { input: number[]; target: number[]; ids: number[]; lps: number[] };
    const [a, c] = [sequence(0), sequence(1)];
    expect(got.input).toEqual([...a.input, ...c.input]);
    expect(got.target).toEqual([...a.target, ...c.target]);
    expect(got.ids).toEqual([...a.topIds, ...c.topIds]);
    expect(got.lps).toEqual([...a.topLogprobs, ...c.topLogprobs].map(toFloat16));
  });

  it('refuses a .bin that does not match its header', async () => {
    const set = await ShardSet.open(dir);
    const b = new ShardBuilder(1, S, K);
    b.set(0, sequence(0));
    await set.add(b, 1, { source: 'continuation', first: 0, teacher, scoringMs: 1 });
    const path = join(dir, 'shard-00000.bin');
    const bytes = readFileSync(path);
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(path, bytes);
    await expect(readShard(dir, 'shard-00000')).rejects.toThrow(/sha256/);
    expect(() => decodeShard(bytes.subarray(2), { n: S, k: K })).toThrow(/bytes/);
  });
});

describe('ShardSet (resume)', () => {
  it('lists the gaps still to score, numbers shards on, and survives reopening', async () => {
    const set = await ShardSet.open(dir);
    const b = new ShardBuilder(2, S, K);
    b.set(0, sequence(0));
    b.set(1, sequence(1));
    await set.add(b, 2, { source: 'corpus-train', first: 0, teacher, scoringMs: 1 });
    await set.add(b, 1, { source: 'corpus-train', first: 4, teacher, scoringMs: 1 });
    await set.add(b, 2, { source: 'continuation', first: 0, teacher, scoringMs: 1 });
    const again = await ShardSet.open(dir);
    expect(again.gaps('corpus-train', 8)).toEqual([
      [2, 4],
      [5, 8],
    ]);
    expect(again.gaps('continuation', 2)).toEqual([]);
    expect(again.doneCount('corpus-train')).toBe(3);
    const next = await again.add(b, 1, { source: 'corpus-train', first: 2, teacher, scoringMs: 1 });
    expect(next.name).toBe('shard-00003');
  });

  it('deletes shard files the index does not list (a crash before the index write) and temporaries', async () => {
    const set = await ShardSet.open(dir);
    const b = new ShardBuilder(1, S, K);
    b.set(0, sequence(0));
    await set.add(b, 1, { source: 'corpus-train', first: 0, teacher, scoringMs: 1 });
    writeFileSync(join(dir, 'shard-00001.bin'), 'half-written');
    writeFileSync(join(dir, 'shard-00001.json'), '{}');
    writeFileSync(join(dir, '.shard-00002.bin.1234abcd.tmp'), 'x');
    writeFileSync(join(dir, 'continuations.jsonl'), ''); // other files stay
    const reopened = await ShardSet.open(dir);
    expect(readdirSync(dir).sort()).toEqual(['continuations.jsonl', 'index.json', 'shard-00000.bin', 'shard-00000.json']);
    expect(reopened.gaps('corpus-train', 3)).toEqual([[1, 3]]);
    expect((await reopened.add(b, 1, { source: 'corpus-train', first: 1, teacher, scoringMs: 1 })).name).toBe('shard-00001');
  });
});
