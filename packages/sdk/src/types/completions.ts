/** `POST /v1/completions` (legacy) wire types. */
import type { DistillgateUsageExtension } from '../gateway-meta.ts';
import type { CommonCreateParams, CompletionUsage, FinishReason } from './shared.ts';

interface CompletionCreateParamsBase extends CommonCreateParams {
  /** Text, texts, or token ids. */
  prompt: string | string[] | number[] | number[][];
  /** Top-k log probabilities per token (the gateway allows k ≤ 20). */
  logprobs?: number | null;
  echo?: boolean | null;
  suffix?: string | null;
}
export interface CompletionCreateParamsNonStreaming extends CompletionCreateParamsBase {
  stream?: false | null;
}
export interface CompletionCreateParamsStreaming extends CompletionCreateParamsBase {
  stream: true;
}
export type CompletionCreateParams = CompletionCreateParamsNonStreaming | CompletionCreateParamsStreaming;

export interface CompletionChoice {
  index: number;
  text: string;
  logprobs: {
    tokens?: string[];
    token_logprobs?: Array<number | null>;
    top_logprobs?: Array<Record<string, number> | null>;
    text_offset?: number[];
  } | null;
  /** null on a stream's chunks before the last. */
  finish_reason: FinishReason | null;
}

/** A non-streamed answer, and (with `finish_reason: null` until the end) each streamed chunk. */
export interface Completion {
  id: string;
  object: 'text_completion';
  /** @unit seconds since the Unix epoch */
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage?: CompletionUsage | null;
  system_fingerprint?: string | null;
  /** The gateway's extension on a stream's final usage chunk. */
  distillgate?: DistillgateUsageExtension;
}
