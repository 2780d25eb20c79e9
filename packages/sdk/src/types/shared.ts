/** Wire types shared by chat completions and completions (OpenAI's field names). */

/** Token counts of one request. */
export interface CompletionUsage {
  /** @unit tokens */
  prompt_tokens: number;
  /** @unit tokens */
  completion_tokens: number;
  /** @unit tokens */
  total_tokens: number;
}

/** Why generation stopped. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** Request fields common to both endpoints. */
export interface CommonCreateParams {
  /** A served model id (`distillgate-student`, `distillgate-teacher`, an upstream's id) or an alias such as `auto`. */
  model: string;
  /** @unit tokens */
  max_tokens?: number | null;
  /** Read as `max_tokens` by the gateway (both, and different, is a 400). @unit tokens */
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  user?: string;
  /** Only with `stream: true`; `include_usage` adds the final usage chunk with the gateway's `distillgate` extension. */
  stream_options?: { include_usage?: boolean } | null;
}
