/**
 * One measured prompt: a line of `<cache>/routing-eval/<run>/records.jsonl`. It keeps every
 * student step's confidence statistics and the CPU time up to each token, so any cascade signal
 * and any K ≤ maxTokens can be recomputed offline without running a model again.
 */
import type { AnswerQuality, StepConfidence } from '@distillgate/router';
import type { EvalSplit } from './prompts.ts';

export interface PairRecord {
  /** Prompt id (prompts.ts). */
  id: string;
  doc: string;
  split: EvalSplit;
  prompt: string;
  /** Prompt tokens under the (shared) model tokenizer. */
  promptTokens: number;
  student: {
    /** Generated tokens, end-of-text excluded. */
    tokens: number;
    text: string;
    /** Per generated token: [maxProb, entropyNats, top1Top2Margin]. */
    steps: [number, number, number][];
    prefillMs: number;
    decodeMs: number;
    /** Process CPU time (user + system) of the whole generation, ms. */
    cpuMs: number;
    /** Process CPU time from the start to each generated token, ms (length = tokens). */
    cpuMsAtToken: number[];
  };
  teacher: {
    /** Generated tokens, end-of-text excluded. */
    tokens: number;
    /** Completion tokens as billed (an end-of-text token included). */
    completionTokens: number;
    text: string;
    /** Mean teacher log-probability of its own greedy answer, nats/token (null: empty answer). */
    meanLogprob: number | null;
  };
  quality: AnswerQuality;
}

export const stepsOf = (r: PairRecord): StepConfidence[] =>
  r.student.steps.map(([maxProb, entropyNats, top1Top2Margin]) => ({ maxProb, entropyNats, top1Top2Margin }));

/** Student CPU-ms spent drafting the first K tokens (the whole generation when it ended sooner). */
export function draftCpuMs(r: PairRecord, probeTokens: number): number {
  if (r.student.tokens <= probeTokens) return r.student.cpuMs;
  return r.student.cpuMsAtToken[probeTokens - 1] ?? r.student.cpuMs;
}

/** @throws Error when `value` does not look like a PairRecord */
export function parseRecord(value: unknown): PairRecord {
  const r = value as PairRecord;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.id !== 'string' ||
    (r.split !== 'train' && r.split !== 'eval') ||
    !Array.isArray(r.student?.steps) ||
    typeof r.quality?.q !== 'number'
  ) {
    throw new Error('not a routing-eval record');
  }
  return r;
}
