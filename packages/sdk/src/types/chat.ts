/** `POST /v1/chat/completions` wire types (OpenAI's field names; the subset the gateway serves). */
import type { DistillgateUsageExtension } from '../gateway-meta.ts';
import type { CommonCreateParams, CompletionUsage, FinishReason } from './shared.ts';

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export type ChatContentPart = { type: 'text'; text: string };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionMessageParam {
  role: ChatRole;
  content: string | ChatContentPart[] | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: ChatToolCall[];
}

interface ChatCompletionCreateParamsBase extends CommonCreateParams {
  messages: ChatCompletionMessageParam[];
  /** Return log probabilities of the output tokens. */
  logprobs?: boolean | null;
  /** How many alternatives per position (needs `logprobs: true`). */
  top_logprobs?: number | null;
}
export interface ChatCompletionCreateParamsNonStreaming extends ChatCompletionCreateParamsBase {
  stream?: false | null;
}
export interface ChatCompletionCreateParamsStreaming extends ChatCompletionCreateParamsBase {
  stream: true;
}
export type ChatCompletionCreateParams = ChatCompletionCreateParamsNonStreaming | ChatCompletionCreateParamsStreaming;

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs?: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string | null;
  tool_calls?: ChatToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  /** @unit seconds since the Unix epoch */
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    logprobs: { content: ChatTokenLogprob[] | null } | null;
    finish_reason: FinishReason;
  }>;
  usage?: CompletionUsage;
  system_fingerprint?: string | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  /** @unit seconds since the Unix epoch */
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; tool_calls?: ChatToolCall[]; refusal?: string | null };
    logprobs?: { content: ChatTokenLogprob[] | null } | null;
    finish_reason: FinishReason | null;
  }>;
  /** Only on the final usage chunk (`stream_options.include_usage`), whose `choices` is empty. */
  usage?: CompletionUsage | null;
  /** The gateway's extension on the final usage chunk. */
  distillgate?: DistillgateUsageExtension;
}
