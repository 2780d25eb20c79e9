/**
 * Stage `teacher`: the KD dataset. Starts a local gpu-worker with the committed teacher (or uses
 * `--teacher-url`), refuses a teacher whose tokenizer is not the student's, generates
 * continuations of the train prompts, then scores corpus windows and continuation windows into
 * shards (`shard-NNNNN.{bin,json}`, shards/shard.ts) with `index.json` as the checkpoint.
 *
 * Budget: ⌊tokenBudget / S⌋ sequences of S positions; continuation-derived ones ≤ share of them
 * (sequences.ts `splitBudget`); the share reached is in the summary.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTokenizer, type ModelTokenizer } from '@distillgate/edge-model';
import { liveDir } from '../paths.ts';
import { parsePromptsJsonl } from '../prompts/stage.ts';
import { sha256File } from '../runner/files.ts';
import type { Stage, StageContext } from '../runner/stage-runner.ts';
import type { ShardSource, TeacherInfo } from '../shards/shard.ts';
import { ShardSet } from '../shards/shard-set.ts';
import { TeacherClient } from './client.ts';
import { generateContinuations, type PromptTokens } from './continuations.ts';
import { checkTeacher } from './identity.ts';
import { type LocalWorker, startLocalWorker } from './local-worker.ts';
import { probeScoringMaxTokens, scorePlan } from './score.ts';
import { continuationStream, corpusPlan, readTokenFile, type SequencePlan, splitBudget, streamPlan, windowsIn } from './sequences.ts';

export interface TeacherStageOptions {
  /** OpenAI-compatible base URL of a running teacher; absent: start a local gpu-worker. */
  teacherUrl?: string;
  teacherModel: string;
  /** Bearer token for `teacherUrl` (from the environment, never logged). */
  apiKey?: string;
  modelsDir: string;
  /** Holds tokenizer.json (the student's) and train.bin. */
  tokenizerDir: string;
  workerThreads: number;
  workerMaxConcurrent: number;
  /** Positions to score in all. @unit tokens */
  tokenBudget: number;
  k: number;
  /** Positions per sequence: context − 1. */
  seqLen: number;
  concurrency: number;
  continuationShare: number;
  /** max_tokens of each continuation. */
  continuationMaxTokens: number;
  /** Longer prompts keep their last this many tokens. */
  maxPromptTokens: number;
  shardSequences: number;
  /** @unit ms */
  timeoutMs: number;
  seed: number;
}

async function connect(opts: TeacherStageOptions, ctx: StageContext): Promise<{ client: TeacherClient; worker: LocalWorker | null }> {
  let worker: LocalWorker | null = null;
  let baseUrl = opts.teacherUrl;
  if (!baseUrl) {
    ctx.log('teacher.worker.starting', { model: opts.teacherModel, threads: opts.workerThreads, maxConcurrent: opts.workerMaxConcurrent });
    worker = await startLocalWorker({
      modelsDir: opts.modelsDir,
      model: opts.teacherModel,
      threads: opts.workerThreads,
      maxConcurrent: opts.workerMaxConcurrent,
    });
    baseUrl = worker.baseUrl;
  }
  const client = new TeacherClient({
    baseUrl,
    timeoutMs: opts.timeoutMs,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    onRetry: (r) => ctx.log('teacher.retry', r),
  });
  return { client, worker };
}

/** Train prompts as token ids (the student's tokenizer), longer ones cut to their last `max` tokens. */
async function trainPromptTokens(path: string, encode: (text: string) => number[], max: number): Promise<PromptTokens[]> {
  return parsePromptsJsonl(await readFile(path, 'utf8'))
    .map((p) => ({ id: p.id, ids: encode(p.text).slice(-max) }))
    .filter((p) => p.ids.length > 0);
}

interface Session {
  opts: TeacherStageOptions;
  ctx: StageContext;
  client: TeacherClient;
  teacher: TeacherInfo;
}

/** Phase 1: continuations of the train prompts (resumable: continuations.jsonl) → their token stream. */
async function continuationPhase(s: Session, tokenizer: ModelTokenizer, eot: number) {
  const { opts, ctx } = s;
  const S = opts.seqLen;
  const wanted = Math.floor(Math.floor(opts.tokenBudget / S) * opts.continuationShare);
  const trainFile = (ctx.output('prompts').files as { train: string }).train;
  const prompts = wanted > 0 ? await trainPromptTokens(trainFile, (t) => tokenizer.encode(t), opts.maxPromptTokens) : [];
  const started = Date.now();
  const bar = wanted > 0 ? ctx.progress({ label: 'teacher continuations', total: wanted * S + 1, unit: 'tok' }) : undefined;
  const { records, generatedTokens } = await generateContinuations({
    client: s.client,
    model: s.teacher.model,
    path: join(ctx.dir, 'continuations.jsonl'),
    prompts,
    targetTokens: wanted > 0 ? wanted * S + 1 : 0,
    maxTokens: opts.continuationMaxTokens,
    concurrency: opts.concurrency,
    seed: opts.seed,
    signal: ctx.signal,
    ...(bar ? { progress: bar } : {}),
  });
  bar?.finish();
  const ms = Date.now() - started;
  return {
    stream: continuationStream(
      records.map((r) => r.ids),
      eot,
    ),
    stats: {
      records: records.length,
      generatedTokens,
      tokensPerS: generatedTokens > 0 ? Math.round(generatedTokens / (ms / 1000)) : null,
      maxTokens: opts.continuationMaxTokens,
    },
  };
}

/** Phase 2: score both plans into the shard set (resumable: index.json). @returns this stretch's tokens/s */
async function scoringPhase(s: Session, set: ShardSet, plans: Record<ShardSource, SequencePlan>): Promise<number | null> {
  const { opts, ctx } = s;
  const S = opts.seqLen;
  const done = () => set.doneCount('corpus-train') + set.doneCount('continuation');
  const total = plans['corpus-train'].count + plans.continuation.count;
  const before = done();
  const bar = ctx.progress({
    label: 'teacher scoring',
    total,
    unit: 'seq',
    initial: before,
    every: {
      ms: 30_000,
      call: (d, t, rate) => ctx.log('teacher.progress', { sequences: d, total: t, tokensPerS: Math.round(rate * (S + 1)) }),
    },
  });
  const started = Date.now();
  const first = plans['corpus-train'].count > 0 ? plans['corpus-train'] : plans.continuation;
  const maxTokens = first.count > 0 ? await probeScoringMaxTokens(s.client, s.teacher.model, first.sequence(0), opts.k, ctx.signal) : 0;
  if (maxTokens === 1)
    ctx.log('teacher.max_tokens', { maxTokens, reason: 'the server refused max_tokens: 0; scoring with 1 (DESIGN.md §5 allows both)' });
  for (const source of ['corpus-train', 'continuation'] as const) {
    await scorePlan({
      client: s.client,
      teacher: s.teacher,
      set,
      source,
      plan: plans[source],
      seqLen: S,
      k: opts.k,
      maxTokens,
      shardSequences: opts.shardSequences,
      concurrency: opts.concurrency,
      signal: ctx.signal,
      progress: bar,
      onShard: (e) => ctx.log('teacher.shard', { ...e }),
    });
  }
  bar.finish();
  const scored = done() - before;
  return scored > 0 ? Math.round((scored * (S + 1)) / ((Date.now() - started) / 1000)) : null;
}

export function teacherStage(opts: TeacherStageOptions): Stage {
  const S = opts.seqLen;
  const trainBin = join(opts.tokenizerDir, 'train.bin');
  const tokenizerJson = join(opts.tokenizerDir, 'tokenizer.json');
  return {
    name: 'teacher',
    description: 'score corpus and continuation windows with the teacher into KD shards',
    inputs: () => {
      if (!existsSync(trainBin)) throw new Error(`${trainBin} does not exist: build it first (npm run corpus && npm run tokenizer)`);
      const localManifest = opts.teacherUrl ? [] : [join(liveDir(opts.modelsDir, opts.teacherModel), 'manifest.json')];
      const { teacherUrl, apiKey, concurrency, timeoutMs, workerThreads, workerMaxConcurrent, modelsDir, tokenizerDir, ...params } = opts;
      return {
        files: [trainBin, tokenizerJson, ...localManifest],
        after: ['prompts'],
        params: { ...params, teacher: teacherUrl ?? 'local' },
      };
    },
    async run(ctx) {
      const started = Date.now();
      const tokenizerSha256 = await sha256File(tokenizerJson);
      const { client, worker } = await connect(opts, ctx);
      try {
        const teacher = await checkTeacher(client, opts.teacherModel, tokenizerSha256, ctx.signal);
        ctx.log('teacher.ready', { ...teacher });
        const session: Session = { opts, ctx, client, teacher };
        const set = await ShardSet.open(ctx.dir);
        const tokens = await readTokenFile(trainBin);
        const tokenizer = loadTokenizer(await readFile(tokenizerJson, 'utf8'));
        if (tokenizer.eosTokenId === null) throw new Error(`${tokenizerJson} has no <|endoftext|>`);

        const { stream, stats: generation } = await continuationPhase(session, tokenizer, tokenizer.eosTokenId);
        const split = splitBudget(opts.tokenBudget, S, opts.continuationShare, windowsIn(stream, S), windowsIn(tokens, S));
        const plans = { 'corpus-train': corpusPlan(tokens, S, split.corpus), continuation: streamPlan(stream, S, split.continuation) };
        ctx.log('teacher.plan', {
          sequences: split,
          available: { corpus: plans['corpus-train'].available, continuation: plans.continuation.available },
          alreadyDone: { corpus: set.doneCount('corpus-train'), continuation: set.doneCount('continuation') },
        });
        const tokensPerS = await scoringPhase(session, set, plans);

        const positions = { corpus: split.corpus * S, continuation: split.continuation * S };
        const scoringMs = set.entries.reduce((sum, e) => sum + e.scoringMs, 0);
        const summary = {
          teacher,
          k: opts.k,
          seqLen: S,
          sequences: split,
          positions,
          continuationShare: positions.continuation / Math.max(1, positions.corpus + positions.continuation),
          continuationShareMax: opts.continuationShare,
          paddedEntries: set.entries.reduce((sum, e) => sum + e.padded, 0),
          scoring: {
            tokensPerS,
            allRunsTokensPerS: Math.round(((split.corpus + split.continuation) * (S + 1)) / Math.max(1e-3, scoringMs / 1000)),
            concurrency: opts.concurrency,
            retries: client.retries,
          },
          generation,
          elapsedMs: Date.now() - started,
        };
        ctx.log('teacher.done', { ...summary, shards: set.entries.length });
        return { ...summary, shards: set.entries };
      } finally {
        await worker?.stop();
      }
    },
  };
}
