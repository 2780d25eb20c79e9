/**
 * Prompt tokens of a chat request, by OpenAI cookbook's "How to count tokens with tiktoken"
 * (https://cookbook.openai.com/examples/how_to_count_tokens_with_tiktoken, `num_tokens_from_messages`,
 * the gpt-3.5-turbo-0613+/gpt-4/gpt-4o branch):
 *
 *   tokens = Σ_messages (3 + Σ_fields tokens(value) + (name ? 1 : 0)) + 3
 *
 * 3 per message (`<|start|>{role}<|message|>…<|end|>` framing), every field's value encoded
 * (the role too), 1 more when a `name` is present, and 3 for the reply's priming
 * (`<|start|>assistant<|message|>`). The cookbook encodes every string field; here that is `role`,
 * `content` (a string, or the `text`/`refusal` of its parts), `name`, `refusal`, `tool_call_id`,
 * and each tool call's `function.name` + `function.arguments` (also `function_call`'s).
 * Non-text parts (images, audio, files) count 0: what they cost depends on the upstream, and its
 * `usage` replaces this estimate on completion. Tool *definitions* (`tools`) are not messages;
 * count them separately if needed (`countTokens(JSON.stringify(tools))` is a fair estimate).
 */

/** Framing tokens around each message. @unit tokens */
export const TOKENS_PER_MESSAGE = 3;
/** Extra token when a message carries `name`. @unit tokens */
export const TOKENS_PER_NAME = 1;
/** `<|start|>assistant<|message|>` priming the reply. @unit tokens */
export const REPLY_PRIMING_TOKENS = 3;

/** A content part: only `text` (type `text`) and `refusal` (type `refusal`) are counted. */
export interface ChatPromptPart {
  type: string;
  text?: unknown;
  refusal?: unknown;
}

/** The fields of a chat message that are counted; `@distillgate/protocol`'s `ChatMessage` fits. */
export interface ChatPromptMessage {
  role: string;
  content?: string | readonly ChatPromptPart[] | null;
  name?: string;
  refusal?: string | null;
  tool_call_id?: string;
  tool_calls?: readonly { function?: { name: string; arguments: string } }[];
  function_call?: { name: string; arguments: string } | null;
}

/** Counts tokens of one string (ordinary text, never throwing on special-token spellings). */
export type CountText = (text: string) => number;

function contentTokens(count: CountText, content: ChatPromptMessage['content']): number {
  if (typeof content === 'string') return count(content);
  if (!content) return 0;
  let tokens = 0;
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') tokens += count(part.text);
    else if (part.type === 'refusal' && typeof part.refusal === 'string') tokens += count(part.refusal);
  }
  return tokens;
}

function messageTokens(count: CountText, message: ChatPromptMessage): number {
  let tokens = TOKENS_PER_MESSAGE + count(message.role) + contentTokens(count, message.content);
  if (message.name !== undefined) tokens += count(message.name) + TOKENS_PER_NAME;
  if (typeof message.refusal === 'string') tokens += count(message.refusal);
  if (message.tool_call_id !== undefined) tokens += count(message.tool_call_id);
  for (const call of message.tool_calls ?? []) {
    if (call.function) tokens += count(call.function.name) + count(call.function.arguments);
  }
  if (message.function_call) tokens += count(message.function_call.name) + count(message.function_call.arguments);
  return tokens;
}

/**
 * Prompt tokens of `messages` by the formula above.
 * @returns tokens (integer ≥ 3; an empty list is the reply priming alone)
 */
export function countChatPromptWith(count: CountText, messages: readonly ChatPromptMessage[]): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of messages) tokens += messageTokens(count, message);
  return tokens;
}

/** A legacy `/v1/completions` prompt: a string, strings, token ids, or arrays of token ids. */
export type CompletionPrompt = string | readonly string[] | readonly number[] | readonly (readonly number[])[];

/**
 * Prompt tokens of a legacy completions `prompt`, summed over a batch (token-id arrays count
 * their length). A batch of P prompts generates P × n choices: pass `n × P` to
 * `estimateWorstCase`.
 * @returns tokens (integer ≥ 0)
 */
export function countCompletionPromptWith(count: CountText, prompt: CompletionPrompt): number {
  if (typeof prompt === 'string') return count(prompt);
  let tokens = 0;
  for (const item of prompt) {
    if (typeof item === 'string') tokens += count(item);
    else if (typeof item === 'number') tokens += 1;
    else tokens += item.length;
  }
  return tokens;
}
