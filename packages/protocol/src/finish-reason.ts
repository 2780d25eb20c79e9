/**
 * Maps the `finish_reason` values engines send onto OpenAI's set (DESIGN.md §5: relayed streams
 * may rewrite only `finish_reason`, `model`, `id` and the usage chunk).
 */

/** OpenAI's `finish_reason` values (spec CreateChatCompletionResponse.choices[].finish_reason). */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

const OPENAI: ReadonlySet<string> = new Set<FinishReason>(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);

/** Other engines' spellings → OpenAI's. */
const ALIASES: Readonly<Record<string, FinishReason>> = {
  eos_token: 'stop', // TGI
  eos: 'stop',
  stop_sequence: 'stop', // TGI, Anthropic
  end_turn: 'stop', // Anthropic
  stop_token: 'stop',
  max_tokens: 'length', // Anthropic
  max_length: 'length', // TGI, Transformers
  max_new_tokens: 'length',
  tool_use: 'tool_calls', // Anthropic
};

/**
 * `value`: OpenAI's finish reason, or null while a stream is still running (null/undefined in).
 * `unknown`: set when an unrecognised string was mapped to `stop`; the caller logs a warning.
 */
export interface NormalizedFinishReason {
  value: FinishReason | null;
  unknown?: string;
}

/** Normalises an upstream `finish_reason`. Never throws; non-strings other than null count as unknown. */
export function normalizeFinishReason(raw: unknown): NormalizedFinishReason {
  if (raw === null || raw === undefined) return { value: null };
  if (typeof raw === 'string') {
    if (OPENAI.has(raw)) return { value: raw as FinishReason };
    const alias = Object.hasOwn(ALIASES, raw) ? ALIASES[raw] : undefined;
    if (alias !== undefined) return { value: alias };
    return { value: 'stop', unknown: raw };
  }
  return { value: 'stop', unknown: String(raw) };
}
