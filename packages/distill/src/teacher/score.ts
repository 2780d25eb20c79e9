/**
 * Scores a plan of sequences into shards, `concurrency` requests at a time, resuming around what
 * the shard set already holds. Work goes shard by shard (≤ `shardSequences` sequences, issued in
 * order). When the run stops — an abort (Ctrl-C cancels the requests in flight) or a request that
 * failed after its retries — the finished prefix of the current shard is written as a (smaller)
 * shard and the error is rethrown: at most the in-flight requests are lost, never a whole shard.
 */
import type { Progress } from '../runner/progress.ts';
import { ShardBuilder, type ShardSource, type TeacherInfo } from '../shards/shard.ts';
import type { ShardEntry, ShardSet } from '../shards/shard-set.ts';
import { type TeacherClient, TeacherHttpError } from './client.ts';
import { parseScoringResponse, type ScoredSequence, scoringBody } from './scoring-response.ts';
import type { SequencePlan } from './sequences.ts';

export interface ScoreOptions {
  client: TeacherClient;
  teacher: TeacherInfo;
  set: ShardSet;
  source: ShardSource;
  plan: SequencePlan;
  /** Positions per sequence (the plan's sequences have S + 1 ids). */
  seqLen: number;
  k: number;
  /** What scoring requests ask for (see probeScoringMaxTokens). @default 0 */
  maxTokens?: 0 | 1;
  shardSequences: number;
  concurrency: number;
  signal: AbortSignal;
  progress?: Progress;
  onShard?: (entry: ShardEntry) => void;
}

/** Scores one sequence. */
export async function scoreSequence(
  client: TeacherClient,
  model: string,
  ids: ArrayLike<number>,
  k: number,
  signal?: AbortSignal,
  maxTokens: 0 | 1 = 0,
): Promise<ScoredSequence> {
  const body = await client.post('/completions', scoringBody(ids, { model, k, maxTokens }), signal);
  return parseScoringResponse(ids, body, k);
}

/**
 * `max_tokens: 0` (our gpu-worker, recent vLLM) or 1 (servers that require a generated token):
 * one probe request; a 400 naming max_tokens means 1.
 */
export async function probeScoringMaxTokens(
  client: TeacherClient,
  model: string,
  ids: ArrayLike<number>,
  k: number,
  signal?: AbortSignal,
): Promise<0 | 1> {
  try {
    await scoreSequence(client, model, ids, k, signal, 0);
    return 0;
  } catch (error) {
    if (error instanceof TeacherHttpError && error.status === 400 && /max_tokens/i.test(error.message)) {
      await scoreSequence(client, model, ids, k, signal, 1);
      return 1;
    }
    throw error;
  }
}

/** Runs `first..end` of the plan into one builder; returns how many from `first` are done in order, and the first error. */
async function scoreChunk(
  opts: ScoreOptions,
  builder: ShardBuilder,
  first: number,
  end: number,
): Promise<{ prefix: number; error: unknown }> {
  let next = first;
  let error: unknown = null;
  const worker = async () => {
    while (error === null && !opts.signal.aborted && next < end) {
      const i = next++;
      try {
        const seq = await scoreSequence(opts.client, opts.teacher.model, opts.plan.sequence(i), opts.k, opts.signal, opts.maxTokens ?? 0);
        builder.set(i - first, seq);
        opts.progress?.tick();
      } catch (e) {
        if (error === null) error = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  if (error === null && opts.signal.aborted) error = opts.signal.reason ?? new Error('aborted');
  return { prefix: builder.filledPrefix(), error };
}

/** @throws the first error (after saving the finished prefix) */
export async function scorePlan(opts: ScoreOptions): Promise<void> {
  for (const [start, end] of opts.set.gaps(opts.source, opts.plan.count)) {
    for (let first = start; first < end; first += opts.shardSequences) {
      const last = Math.min(end, first + opts.shardSequences);
      const builder = new ShardBuilder(last - first, opts.seqLen, opts.k);
      const began = Date.now();
      const { prefix, error } = await scoreChunk(opts, builder, first, last);
      if (prefix > 0) {
        const entry = await opts.set.add(builder, prefix, {
          source: opts.source,
          first,
          teacher: opts.teacher,
          scoringMs: Date.now() - began,
        });
        opts.onShard?.(entry);
      }
      if (error !== null) throw error;
    }
  }
}
