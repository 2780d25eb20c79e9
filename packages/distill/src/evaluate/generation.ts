/**
 * Greedy continuations of held-out prompts (student vs teacher) and decode speed, both on the
 * edge-model `Decoder` with its KV cache: one prefill of the prompt, then one cached step per token,
 * the next token being edge-model's `argmax` of the last logits row (what the edge does at
 * temperature 0).
 */
import { performance } from 'node:perf_hooks';
import { argmax, type Decoder, lastRow } from '@distillgate/edge-model';
import { type CandidatePair, corpusBleu, rougeL, wordTokens } from './metrics.ts';

export interface Continuation {
  /** Generated ids, at most `maxTokens`; ends with EOS when the model stopped there. */
  ids: number[];
}

/**
 * Greedy decoding of up to `maxTokens` tokens after `prompt`, stopping after `eosTokenId` (as the
 * edge does: finish_reason 'stop').
 */
export async function greedyContinuation(
  decoder: Decoder,
  prompt: readonly number[],
  maxTokens: number,
  eosTokenId: number | null,
): Promise<Continuation> {
  const seq = decoder.newSequence();
  try {
    const ids: number[] = [];
    let logits = await decoder.forward(seq, prompt);
    for (;;) {
      const next = argmax(lastRow(logits));
      ids.push(next);
      if (next === eosTokenId || ids.length === maxTokens) return { ids };
      logits = await decoder.forward(seq, [next]);
    }
  } finally {
    seq.dispose();
  }
}

/**
 * Prompt ids as the edge would feed them (no BOS added), keeping the last `contextLength −
 * continuationTokens` when longer; an empty prompt becomes `[eos]` (the document separator, the
 * position every training document starts after).
 */
export function promptIds(encoded: readonly number[], contextLength: number, continuationTokens: number, eos: number): number[] {
  const keep = contextLength - continuationTokens;
  if (keep < 1) throw new Error(`context ${contextLength} leaves no room for a prompt before ${continuationTokens} tokens`);
  return encoded.length === 0 ? [eos] : encoded.slice(-keep);
}

export interface GreedyMetrics {
  /** Prompts compared. */
  prompts: number;
  /** Tokens compared per prompt (continuations are cut at EOS). */
  continuationTokens: number;
  /** Share of prompts whose student continuation equals the teacher's (same ids, same length), 0..1. */
  exactMatch: number;
  /** Mean number of leading tokens equal in both continuations, 0..continuationTokens. */
  meanMatchingPrefixTokens: number;
  /** Corpus BLEU-4 of student continuations (words) against the teacher's, 0..1. */
  bleu4: number;
  /** BLEU's modified 1-…4-gram precisions and brevity penalty. */
  bleuPrecisions: number[];
  bleuBrevityPenalty: number;
  /** Mean sentence ROUGE-L F1 (words) of student against teacher continuations, 0..1. */
  rougeLF1: number;
}

/** Compares continuations pairwise; text metrics run on `wordTokens` of the decoded text. */
export function greedyMetrics(
  student: readonly number[][],
  teacher: readonly number[][],
  decode: (ids: readonly number[]) => string,
  continuationTokens: number,
): GreedyMetrics {
  const n = student.length;
  let exact = 0;
  let prefix = 0;
  let rouge = 0;
  const pairs: CandidatePair[] = [];
  for (let i = 0; i < n; i++) {
    const s = student[i]!;
    const t = teacher[i]!;
    let k = 0;
    while (k < s.length && k < t.length && s[k] === t[k]) k++;
    prefix += k;
    if (k === s.length && k === t.length) exact++;
    const pair = { candidate: wordTokens(decode(s)), reference: wordTokens(decode(t)) };
    pairs.push(pair);
    rouge += rougeL(pair.candidate, pair.reference).f1;
  }
  const bleu = corpusBleu(pairs);
  return {
    prompts: n,
    continuationTokens,
    exactMatch: n ? exact / n : 0,
    meanMatchingPrefixTokens: n ? prefix / n : 0,
    bleu4: bleu.bleu,
    bleuPrecisions: bleu.precisions,
    bleuBrevityPenalty: bleu.brevityPenalty,
    rougeLF1: n ? rouge / n : 0,
  };
}

export interface DecodeSpeed {
  /** Median over rounds of cached one-token steps per second. */
  tokensPerS: number;
  /** 1000 / tokensPerS. */
  msPerToken: number;
  /** Steps timed per round, and rounds (after one untimed warm-up round). */
  stepsPerRound: number;
  rounds: number;
}

/** Wall time of `steps` cached greedy steps after a prefill of `prompt` (EOS does not stop it). */
async function timedDecode(decoder: Decoder, prompt: readonly number[], steps: number): Promise<number> {
  const seq = decoder.newSequence();
  try {
    let logits = await decoder.forward(seq, prompt);
    const started = performance.now();
    for (let i = 0; i < steps; i++) logits = await decoder.forward(seq, [argmax(lastRow(logits))]);
    return performance.now() - started;
  } finally {
    seq.dispose();
  }
}

/**
 * Decode speed of each decoder on the same prompt, one thread each, measured alternately (the
 * order reversed every round) after one warm-up round (WASM tiers its code up on first use).
 */
export async function decodeSpeeds(
  decoders: readonly Decoder[],
  prompt: readonly number[],
  steps: number,
  rounds: number,
): Promise<DecodeSpeed[]> {
  const rates: number[][] = decoders.map(() => []);
  for (const d of decoders) await timedDecode(d, prompt, steps);
  for (let r = 0; r < rounds; r++) {
    const order = decoders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) rates[i]!.push((steps * 1000) / (await timedDecode(decoders[i]!, prompt, steps)));
  }
  return rates.map((xs) => {
    const tokensPerS = median(xs);
    return { tokensPerS, msPerToken: 1000 / tokensPerS, stepsPerRound: steps, rounds };
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
