/**
 * `POST /v1/chat/completions` request parsing. Validates the fields the gateway reads (OpenAI spec
 * CreateChatCompletionRequest), keeps every other field for upstreams, and normalises once:
 * nulls removed, `stop` → `string[]`, `max_completion_tokens` → `max_tokens`, text-only content
 * arrays joined. Deliberate departures from the spec: DEVIATIONS.md.
 */
import { z } from 'zod';
import { type ChatMessage, chatMessageSchema, joinTextParts } from './chat-messages.ts';
import { errors } from './errors.ts';
import { type CommonRequestFields, commonFields, optional, parseRequest } from './request-fields.ts';

export type { ChatContentPart, ChatMessage, ChatRole, ChatToolCall } from './chat-messages.ts';

/** A parsed chat completion request. Unknown fields are kept as sent. */
export interface ChatCompletionRequest extends CommonRequestFields {
  /** 1+ messages. */
  messages: ChatMessage[];
  /** Return logprobs of the output tokens. */
  logprobs?: boolean;
  /** 0..20 alternatives per position; only with `logprobs: true`. */
  top_logprobs?: number;
  tools?: { type: string; [key: string]: unknown }[];
  tool_choice?: 'none' | 'auto' | 'required' | { type: string; [key: string]: unknown };
  parallel_tool_calls?: boolean;
  response_format?: { type: string; [key: string]: unknown };
}

const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  ...commonFields,
  max_tokens: optional(z.int().min(1)),
  max_completion_tokens: optional(z.int().min(1)),
  logprobs: optional(z.boolean()),
  top_logprobs: optional(z.int().min(0).max(20)),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
});

/**
 * Validates and normalises a chat completion request body (already JSON-parsed).
 * @throws {GatewayError} 400 on the first problem: `invalid_json` if `body` is not an object;
 *   `missing_required_parameter` (absent field) or `invalid_value` with an OpenAI-style `param`
 *   such as `messages[0].content[1].type`, `stop`, `top_logprobs`.
 */
export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  const req = parseRequest(chatRequestSchema, body);
  if (req.top_logprobs !== undefined && req.logprobs !== true) {
    throw errors.invalidValue('top_logprobs', "Invalid value for 'top_logprobs': only allowed when 'logprobs' is true.");
  }
  const parsed = req as ChatCompletionRequest;
  for (const message of parsed.messages) joinTextParts(message);
  return parsed;
}
