import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readShard, type TeacherInfo } from '../shards/shard.ts';
import { ShardSet } from '../shards/shard-set.ts';
import { TeacherClient } from './client.ts';
import { loadContinuations, sampleSeed } from './continuations.ts';
import { probeScoringMaxTokens, scorePlan } from './score.ts';
import { continuationStream, corpusPlan, splitBudget, streamPlan, windowsIn } from './sequences.ts';

const S = 4;
const K = 2;
const teacher: TeacherInfo = { model: 't', version: '1', tokenizer_sha256: 'x', base_url: 'fake' };

/** A teacher that answers scoring requests with logprobs derived from the ids (so shards can be checked). */
function fakeTeacher(opts: { failOn?: number; calls?: number[][]; refuseZero?: boolean } = {}) {
  const fetch = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { prompt: number[]; logprobs: number; max_tokens: number };
    opts.calls?.push(body.prompt);
    if (body.prompt[0] === opts.failOn) return new Response('{"error":{"message":"bad"}}', { status: 400 });
    if (opts.refuseZero && body.max_tokens === 0)
      return new Response('{"error":{"message":"max_tokens must be at least 1"}}', { status: 400 });
    const ids = [...body.prompt, ...(body.max_tokens === 1 ? [7] : [])]; // a generated token is echoed after the prompt
    const top = ids.map((id, i) => (i === 0 ? null : { [`token_id:${id}`]: -0.5, [`token_id:${id + 1000}`]: -1.5 }));
    return Response.json({ choices: [{ logprobs: { tokens: ids.map((id) => `token_id:${id}`), top_logprobs: top } }] });
  }) as unknown as typeof globalThis.fetch;
  return new TeacherClient({ baseUrl: 'http://fake/v1', fetch, maxAttempts: 1 });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'distill-score-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sequences', () => {
  it('cuts train.bin into S + 1 windows with stride S, spread evenly when the budget is smaller', () => {
    const tokens = Uint16Array.from({ length: 4 * S + 2 }, (_, i) => i); // 4 windows, 1 spare token
    expect(windowsIn(tokens, S)).toBe(4);
    const all = corpusPlan(tokens, S, 10);
    expect(all.count).toBe(4);
    expect(Array.from(all.sequence(1))).toEqual([4, 5, 6, 7, 8]);
    const two = corpusPlan(tokens, S, 2);
    expect([two.sequence(0)[0], two.sequence(1)[0]]).toEqual([0, 8]); // windows 0 and 2
    expect(() => two.sequence(2)).toThrow(RangeError);
  });

  it('joins continuations with one EOT and drops the short tail', () => {
    const stream = continuationStream([[1, 2], [3, 9], [], [4]], 9);
    expect(stream).toEqual([1, 2, 9, 3, 9, 4, 9]);
    const plan = streamPlan(stream, 3, 5);
    expect(plan.count).toBe(2);
    expect(plan.sequence(1)).toEqual([3, 9, 4, 9]);
  });

  it('keeps continuation positions within their share of the budget', () => {
    expect(splitBudget(64 * 255, 255, 0.3, 100, 10_000)).toEqual({ corpus: 45, continuation: 19 });
    expect(splitBudget(64 * 255, 255, 0.3, 5, 10_000)).toEqual({ corpus: 59, continuation: 5 }); // the corpus fills in
    expect(splitBudget(64 * 255, 255, 0.3, 100, 14)).toEqual({ corpus: 14, continuation: 6 }); // corpus short: 6/20 ≤ 0.3
    expect(splitBudget(64 * 255, 255, 0, 100, 10)).toEqual({ corpus: 10, continuation: 0 });
  });
});

describe('scorePlan', () => {
  const tokens = Uint16Array.from({ length: 10 * S + 1 }, (_, i) => i + 1);

  it('scores a plan into shards of at most shardSequences, rows as the response said', async () => {
    const set = await ShardSet.open(dir);
    const plan = corpusPlan(tokens, S, 10);
    const signal = new AbortController().signal;
    await scorePlan({
      client: fakeTeacher(),
      teacher,
      set,
      source: 'corpus-train',
      plan,
      seqLen: S,
      k: K,
      shardSequences: 4,
      concurrency: 3,
      signal,
    });
    expect(set.entries.map((e) => [e.first, e.count])).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
    const shard = await readShard(dir, 'shard-00001');
    expect(Array.from(shard.input.subarray(0, S))).toEqual([17, 18, 19, 20]);
    expect(Array.from(shard.target.subarray(0, S))).toEqual([18, 19, 20, 21]);
    expect(Array.from(shard.ids.subarray(0, 2 * K))).toEqual([18, 1018, 19, 1019]);
    expect(Array.from(shard.logprobs.subarray(0, K))).toEqual([-0.5, -1.5]);
  });

  it('on a failure saves the finished prefix, and a rerun scores only what is missing', async () => {
    const plan = corpusPlan(tokens, S, 10);
    const signal = new AbortController().signal;
    const failOn = plan.sequence(6)[0]; // sequence 6 fails (a deterministic 400)
    const first = await ShardSet.open(dir);
    const run = scorePlan({
      client: fakeTeacher({ failOn }),
      teacher,
      set: first,
      source: 'corpus-train',
      plan,
      seqLen: S,
      k: K,
      shardSequences: 8,
      concurrency: 1,
      signal,
    });
    await expect(run).rejects.toThrow(/HTTP 400/);
    expect(first.entries.map((e) => [e.first, e.count])).toEqual([[0, 6]]);

    const calls: number[][] = [];
    const again = await ShardSet.open(dir);
    await scorePlan({
      client: fakeTeacher({ calls }),
      teacher,
      set: again,
      source: 'corpus-train',
      plan,
      seqLen: S,
      k: K,
      shardSequences: 8,
      concurrency: 2,
      signal,
    });
    expect(calls).toHaveLength(4); // sequences 6..9 only
    expect(again.gaps('corpus-train', 10)).toEqual([]);
  });

  it('falls back to max_tokens: 1 for a server that refuses 0, ignoring the generated entry', async () => {
    const plan = corpusPlan(tokens, S, 2);
    expect(await probeScoringMaxTokens(fakeTeacher(), 't', plan.sequence(0), K)).toBe(0);
    const strict = fakeTeacher({ refuseZero: true });
    expect(await probeScoringMaxTokens(strict, 't', plan.sequence(0), K)).toBe(1);
    const set = await ShardSet.open(dir);
    const signal = new AbortController().signal;
    await scorePlan({
      client: strict,
      teacher,
      set,
      source: 'corpus-train',
      plan,
      seqLen: S,
      k: K,
      maxTokens: 1,
      shardSequences: 4,
      concurrency: 1,
      signal,
    });
    const shard = await readShard(dir, 'shard-00000');
    expect(Array.from(shard.target.subarray(0, S))).toEqual([2, 3, 4, 5]);
    await expect(probeScoringMaxTokens(fakeTeacher({ failOn: 1 }), 't', plan.sequence(0), K)).rejects.toThrow(/HTTP 400: bad/);
  });

  it('stops at an abort, saving the sequences finished so far', async () => {
    const plan = corpusPlan(tokens, S, 10);
    const ac = new AbortController();
    const set = await ShardSet.open(dir);
    let n = 0;
    const progress = { tick: () => ++n === 3 && ac.abort(new Error('SIGINT')) } as never;
    await expect(
      scorePlan({
        client: fakeTeacher(),
        teacher,
        set,
        source: 'corpus-train',
        plan,
        seqLen: S,
        k: K,
        shardSequences: 10,
        concurrency: 1,
        signal: ac.signal,
        progress,
      }),
    ).rejects.toThrow('SIGINT');
    expect(set.entries.map((e) => [e.first, e.count])).toEqual([[0, 3]]);
  });
});

describe('continuations file', () => {
  it('cuts a torn last line on resume and keeps the whole ones', async () => {
    const path = join(dir, 'continuations.jsonl');
    const rec = { prompt: 'ab', mode: 'greedy', promptTokens: 1, ids: [1, 2] };
    writeFileSync(path, `${JSON.stringify(rec)}\n{"prompt":"cd","mo`);
    expect(await loadContinuations(path)).toEqual([rec]);
    expect(await loadContinuations(path)).toEqual([rec]); // the file was truncated to the good part
    expect(await loadContinuations(join(dir, 'missing.jsonl'))).toEqual([]);
    expect(sampleSeed('ffffffff00', 1)).toBe(sampleSeed('ffffffff11', 1));
    expect(sampleSeed('00000001aa', 0)).not.toBe(sampleSeed('00000002aa', 0));
  });
});
