/**
 * The distillation job's teacher stage against a real gpu-worker process serving the committed
 * teacher: 8 sequences of a small train.bin are scored through the stage runner (prompts → teacher,
 * `--teacher-url`), the shards are read back and compared with the worker's own scoring responses
 * (top-1 id equal, top-1 logprob equal to the response's rounded to float16), and the tokenizer
 * check refuses a teacher whose /v1/models reports another (or no) tokenizer_sha256.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptsStage } from '../../packages/distill/src/prompts/stage.ts';
import { runStages } from '../../packages/distill/src/runner/stage-runner.ts';
import { toFloat16 } from '../../packages/distill/src/shards/float16.ts';
import { readShard } from '../../packages/distill/src/shards/shard.ts';
import { TeacherClient } from '../../packages/distill/src/teacher/client.ts';
import { checkTeacher, TokenizerMismatchError } from '../../packages/distill/src/teacher/identity.ts';
import { teacherStage } from '../../packages/distill/src/teacher/stage.ts';
import { type GpuWorkerProcess, startGpuWorkerProcess } from '../support/gpu-worker-process.ts';
import { type Json, post } from './helpers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const MODELS = join(ROOT, 'models');
const TEACHER = 'distillgate-teacher';
const live = () => (JSON.parse(readFileSync(join(MODELS, TEACHER, 'channels.json'), 'utf8')) as { live: string }).live;
const teacherDir = () => join(MODELS, TEACHER, live());
const skipReason = existsSync(join(MODELS, TEACHER, 'channels.json')) ? null : 'no committed teacher under models/';

const S = 255;
const K = 20;
const SEQUENCES = 8;

/** Deterministic ids in [0, 4096) with an <|endoftext|> (4095) now and then, as train.bin has. */
function fakeTokens(n: number): Uint16Array {
  let x = 12345;
  return Uint16Array.from({ length: n }, (_, i) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return i % 97 === 96 ? 4095 : (x >>> 8) % 4095;
  });
}

describe.skipIf(skipReason !== null)('distill: teacher scoring against a real gpu-worker', () => {
  let worker: GpuWorkerProcess;
  let dir: string;
  let fake: Server;
  let fakeModels: Json;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distill-e2e-'));
    worker = await startGpuWorkerProcess(['--models-dir', MODELS, '--model', TEACHER, '--threads', '2', '--max-concurrent', '8']);
    fake = createServer((req, res) => {
      res.writeHead(req.url === '/v1/models' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fakeModels));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await new Promise((resolve) => fake?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores 8 sequences into a shard whose top-1 matches the worker’s responses (float16)', async () => {
    const tokenizerDir = join(dir, 'tokenizer');
    mkdirSync(tokenizerDir);
    copyFileSync(join(teacherDir(), 'tokenizer.json'), join(tokenizerDir, 'tokenizer.json'));
    const tokens = fakeTokens(SEQUENCES * S + 1);
    writeFileSync(join(tokenizerDir, 'train.bin'), Buffer.from(tokens.buffer));
    writeFileSync(join(dir, 'prompts.txt'), 'In the beginning\nAnd God said\n');

    const stages = [
      promptsStage({ promptFiles: [join(dir, 'prompts.txt')], capturedFiles: [], testShare: 0.1, corpusDir: join(dir, 'none') }),
      teacherStage({
        teacherUrl: `${worker.url}/v1`,
        teacherModel: TEACHER,
        modelsDir: MODELS,
        tokenizerDir,
        workerThreads: 2,
        workerMaxConcurrent: 8,
        tokenBudget: SEQUENCES * S,
        k: K,
        seqLen: S,
        concurrency: 4,
        continuationShare: 0,
        continuationMaxTokens: 8,
        maxPromptTokens: 64,
        shardSequences: 5, // two shards: 5 + 3
        timeoutMs: 30_000,
        seed: 1,
      }),
    ];
    const runDir = join(dir, 'run');
    const [, teacher] = await runStages(stages, { runDir, write: () => {} });
    expect(teacher!.record.summary).toMatchObject({ sequences: { corpus: SEQUENCES, continuation: 0 }, k: K, seqLen: S, paddedEntries: 0 });

    const shards = [await readShard(join(runDir, 'teacher'), 'shard-00000'), await readShard(join(runDir, 'teacher'), 'shard-00001')];
    expect(shards.map((s) => s.header.sequences)).toEqual([5, 3]);
    expect(shards[0]!.header).toMatchObject({
      source: 'corpus-train',
      teacher: { model: TEACHER, version: live(), base_url: `${worker.url}/v1` },
    });
    let seq = 0;
    const wrong: string[] = [];
    for (const shard of shards) {
      for (let s = 0; s < shard.header.sequences; s++, seq++) {
        const ids = Array.from(tokens.subarray(seq * S, seq * S + S + 1));
        const res = await post(`${worker.url}/v1/completions`, {
          model: TEACHER,
          prompt: ids,
          echo: true,
          logprobs: K,
          max_tokens: 0,
          temperature: 0,
          return_tokens_as_token_ids: true,
        });
        const tops = ((await res.json()) as Json).choices[0].logprobs.top_logprobs as Array<Record<string, number> | null>;
        for (let p = 0; p < S; p++) {
          const row = s * S + p;
          const [bestKey, bestLp] = Object.entries(tops[p + 1]!).sort((a, b) => b[1] - a[1])[0]!;
          const want = { input: ids[p], target: ids[p + 1], top1: Number(bestKey.slice('token_id:'.length)), lp: toFloat16(bestLp) };
          const got = { input: shard.input[row], target: shard.target[row], top1: shard.ids[row * K], lp: shard.logprobs[row * K] };
          if (JSON.stringify(got) !== JSON.stringify(want))
            wrong.push(`seq ${seq} pos ${p}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
          for (let j = 1; j < K; j++)
            if (shard.logprobs[row * K + j]! > shard.logprobs[row * K + j - 1]!) wrong.push(`seq ${seq} pos ${p}: not sorted`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(seq).toBe(SEQUENCES);
  });

  it('accepts the worker’s tokenizer and refuses a teacher reporting another or none', async () => {
    const studentSha = JSON.parse(readFileSync(join(teacherDir(), 'manifest.json'), 'utf8')).tokenizer_sha256 as string;
    const real = await checkTeacher(new TeacherClient({ baseUrl: `${worker.url}/v1` }), TEACHER, studentSha);
    expect(real).toMatchObject({ model: TEACHER, tokenizer_sha256: studentSha });

    const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
    const client = new TeacherClient({ baseUrl: fakeUrl, maxAttempts: 1 });
    fakeModels = { object: 'list', data: [{ id: TEACHER, object: 'model', tokenizer_sha256: 'f'.repeat(64) }] };
    const refused = checkTeacher(client, TEACHER, studentSha);
    await expect(refused).rejects.toBeInstanceOf(TokenizerMismatchError);
    await expect(refused).rejects.toThrow(/uses tokenizer f{64}, the student uses/);
    fakeModels = { object: 'list', data: [{ id: TEACHER, object: 'model' }] };
    await expect(checkTeacher(client, TEACHER, studentSha)).rejects.toThrow(/does not report tokenizer_sha256/);
    await expect(checkTeacher(client, 'other-model', studentSha)).rejects.toThrow(/does not list "other-model"/);
  });
});
