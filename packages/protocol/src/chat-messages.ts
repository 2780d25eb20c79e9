/**
 * Chat `messages[]` entries: their zod schemas (OpenAI spec ChatCompletionRequestMessage and its
 * content parts) and types. Objects are loose: unknown fields on a message or part are kept.
 */
import { z } from 'zod';

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

/** One content part. User messages may carry all kinds; assistant text/refusal; others text only. */
export type ChatContentPart =
  | { type: 'text'; text: string; [key: string]: unknown }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high'; [key: string]: unknown }; [key: string]: unknown }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3'; [key: string]: unknown }; [key: string]: unknown }
  | { type: 'file'; file: { filename?: string; file_data?: string; file_id?: string; [key: string]: unknown }; [key: string]: unknown }
  | { type: 'refusal'; refusal: string; [key: string]: unknown };

/** A tool call an assistant made earlier in the conversation. */
export interface ChatToolCall {
  id: string;
  /** `function` (with `function`) or `custom` (with `custom`). */
  type: string;
  function?: { name: string; arguments: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * One message after parsing.
 * - `content` is a string, or an array of parts when any part is not text (an array of only text
 *   parts is joined with "\n").
 * - `content` is absent or null only on `assistant` messages that have `tool_calls`,
 *   `function_call` or `refusal`, and on `function` messages (null).
 * - `tool` messages have `tool_call_id`; `function` messages have `name`.
 */
export interface ChatMessage {
  role: ChatRole;
  content?: string | ChatContentPart[] | null;
  name?: string;
  refusal?: string | null;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  function_call?: { name: string; arguments: string; [key: string]: unknown } | null;
  [key: string]: unknown;
}

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.enum(['wav', 'mp3']) }),
});
const filePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ filename: z.string().optional(), file_data: z.string().optional(), file_id: z.string().optional() }),
});
const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

/** `content`: a string, or 1+ parts of the kinds this role allows (unknown `type` → param `…type`). */
function content<const P extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(parts: P) {
  return z.union([z.string(), z.array(z.discriminatedUnion('type', parts)).min(1)]);
}

const name = z.string().optional();
const functionCall = z.looseObject({ name: z.string(), arguments: z.string() });
const toolCall = z.looseObject({ id: z.string(), type: z.string(), function: functionCall.optional() });

const assistantMessage = z
  .looseObject({
    role: z.literal('assistant'),
    content: content([textPart, refusalPart]).nullable().optional(),
    refusal: z.string().nullable().optional(),
    name,
    tool_calls: z.array(toolCall).optional(),
    function_call: functionCall.nullable().optional(),
  })
  .superRefine((message, ctx) => {
    const hasAlternative = (message.tool_calls?.length ?? 0) > 0 || message.function_call != null || message.refusal != null;
    if (message.content == null && !hasAlternative) {
      ctx.addIssue({
        code: 'custom',
        path: ['content'],
        message: "an assistant message needs 'content' unless it has 'tool_calls', 'function_call' or 'refusal'",
      });
    }
  });

/** One message; the role picks the schema (unknown role → param `messages[i].role`). */
export const chatMessageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: content([textPart]), name }),
  z.looseObject({ role: z.literal('developer'), content: content([textPart]), name }),
  z.looseObject({ role: z.literal('user'), content: content([textPart, imagePart, audioPart, filePart]), name }),
  assistantMessage,
  z.looseObject({ role: z.literal('tool'), content: content([textPart]), tool_call_id: z.string() }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

/**
 * An array of only text parts becomes their texts joined with "\n" (vLLM's behaviour, so every
 * upstream and the edge model see the same prompt). Mixed arrays are kept. Mutates `message`.
 */
export function joinTextParts(message: ChatMessage): void {
  const parts = message.content;
  if (!Array.isArray(parts)) return;
  const texts: string[] = [];
  for (const part of parts) {
    if (part.type !== 'text') return;
    texts.push(part.text);
  }
  message.content = texts.join('\n');
}
