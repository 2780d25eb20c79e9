/**
 * OpenAI `messages` → prompt text, rendering the one chat template our trainer writes into every
 * manifest (gpu-worker/trainer/manifest.py `CHAT_TEMPLATE`, Hugging Face Jinja form):
 *
 *   {% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}
 *   {% if add_generation_prompt %}assistant:{% endif %}
 *
 * i.e. one "role: content" line per message, then "assistant:" for the model to continue. Our
 * models are small base models trained on prose; the layout only frames turns. There is no Jinja
 * engine here: a manifest carrying any other template is refused at load (`assertSupportedTemplate`)
 * rather than rendered wrongly. Keep CHAT_TEMPLATE byte-equal to manifest.py's (a test checks it
 * against the test model's manifest).
 */
import { InvalidGenerationRequestError } from './errors.ts';

export const CHAT_TEMPLATE =
  "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}" +
  '{% if add_generation_prompt %}assistant:{% endif %}';

/** The subset of an OpenAI chat message the template reads (packages/protocol `ChatMessage` fits). */
export interface ChatMessageLike {
  role: string;
  content?: string | ReadonlyArray<{ type: string; text?: string; refusal?: string; [key: string]: unknown }> | null;
  [key: string]: unknown;
}

/**
 * `message['content']` as text: a string as is; text (and refusal) parts joined with "\n" (as
 * packages/protocol joins text-only arrays); null/absent → ''.
 * @throws InvalidGenerationRequestError for image/audio/file parts (the model reads text only)
 */
function contentText(message: ChatMessageLike, index: number): string {
  const content = message.content;
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      if (part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
      throw new InvalidGenerationRequestError(
        `This model accepts text only; messages[${index}].content[${j}] is of type '${part.type}'.`,
        `messages[${index}].content[${j}].type`,
      );
    })
    .join('\n');
}

/** Renders the prompt. @param addGenerationPrompt append "assistant:" @default true */
export function renderChatPrompt(messages: readonly ChatMessageLike[], addGenerationPrompt = true): string {
  let prompt = '';
  for (const [i, message] of messages.entries()) prompt += `${message.role}: ${contentText(message, i)}\n`;
  return addGenerationPrompt ? `${prompt}assistant:` : prompt;
}

/**
 * @throws Error when a manifest's `chat_template` is set and is not the one rendered here
 * (null/absent is accepted: the default layout is used)
 */
export function assertSupportedTemplate(template: string | null | undefined): void {
  if (template != null && template !== CHAT_TEMPLATE) {
    throw new Error('manifest chat_template differs from the one edge-model renders (chat-template.ts); add support for it first');
  }
}
