/**
 * The prompt of a validated request as plain text, for the learned router's features: a completion
 * prompt as sent (the first of a batch), or the chat messages' text contents joined by newlines.
 * Token-id prompts have no text: ''.
 */
import type { Endpoint, JsonObject } from '@distillgate/router';

export function promptText(endpoint: Endpoint, request: JsonObject): string {
  if (endpoint === 'completions') {
    const p = request.prompt;
    if (typeof p === 'string') return p;
    if (Array.isArray(p) && typeof p[0] === 'string') return p[0];
    return '';
  }
  const messages = Array.isArray(request.messages) ? (request.messages as JsonObject[]) : [];
  return messages
    .map((m) => {
      const content = m?.content;
      if (typeof content === 'string') return content;
      if (Array.isArray(content)) {
        return content
          .map((part) =>
            (part as JsonObject)?.type === 'text' && typeof (part as JsonObject).text === 'string' ? (part as JsonObject).text : '',
          )
          .join('\n');
      }
      return '';
    })
    .join('\n');
}

/** What the learned router reads from a request: its prompt text and max_tokens. */
export function learnedFeatures(endpoint: Endpoint, request: JsonObject): { text: string; maxTokens?: number } {
  const text = promptText(endpoint, request);
  return typeof request.max_tokens === 'number' ? { text, maxTokens: request.max_tokens } : { text };
}
