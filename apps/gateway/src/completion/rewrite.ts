/**
 * The only rewrites a relayed response gets (DESIGN.md §5): `id`, `model`, `finish_reason`
 * (mapped to OpenAI's values) and the usage chunk. Text fields are never touched, so decoded text
 * stays byte-equal to the upstream's.
 */
import { normalizeFinishReason } from '@distillgate/protocol';
import type { JsonObject, Logger } from '@distillgate/router';

export interface RewriteContext {
  /** Our response id (`chatcmpl-…` / `cmpl-…`), the same on every chunk of a stream. */
  id: string;
  /** Served model id. */
  model: string;
  requestId: string;
  logger: Logger;
}

/** Rewrites a response object or stream chunk in place and returns it. */
export function rewriteInPlace(body: JsonObject, ctx: RewriteContext): JsonObject {
  body.id = ctx.id;
  body.model = ctx.model;
  if (Array.isArray(body.choices)) {
    for (const choice of body.choices as unknown[]) {
      if (typeof choice !== 'object' || choice === null || !('finish_reason' in choice)) continue;
      const c = choice as JsonObject;
      const { value, unknown } = normalizeFinishReason(c.finish_reason);
      if (unknown !== undefined) {
        ctx.logger.warn('unknown finish_reason from upstream, mapped to stop', { request_id: ctx.requestId, finish_reason: unknown });
      }
      c.finish_reason = value;
    }
  }
  return body;
}

/** Whether a chunk carries something a client must see: text, tool calls, logprobs or a finish reason. */
export function chunkHasPayload(chunk: JsonObject): boolean {
  if (!Array.isArray(chunk.choices)) return false;
  return (chunk.choices as unknown[]).some((choice) => {
    if (typeof choice !== 'object' || choice === null) return false;
    const c = choice as JsonObject;
    if (c.finish_reason !== null && c.finish_reason !== undefined) return true;
    if (typeof c.text === 'string' && c.text !== '') return true;
    if (c.logprobs !== null && c.logprobs !== undefined) return true;
    const delta = c.delta as JsonObject | undefined;
    if (!delta) return false;
    return (
      (typeof delta.content === 'string' && delta.content !== '') ||
      (typeof delta.refusal === 'string' && delta.refusal !== '') ||
      Array.isArray(delta.tool_calls) ||
      delta.function_call !== undefined
    );
  });
}

/** A response id in OpenAI's style, derived from the gateway request id. */
export function responseId(prefix: 'chatcmpl' | 'cmpl', requestId: string): string {
  return `${prefix}-${requestId.replace(/[^A-Za-z0-9]/g, '')}`;
}

/** Whether a chunk carries completion text (≈ one token as engines stream them): `text` or `delta.content`. */
export function chunkHasContent(chunk: JsonObject): boolean {
  if (!Array.isArray(chunk.choices)) return false;
  return (chunk.choices as unknown[]).some((choice) => {
    if (typeof choice !== 'object' || choice === null) return false;
    const c = choice as JsonObject;
    const delta = c.delta as JsonObject | undefined;
    return (typeof c.text === 'string' && c.text !== '') || (typeof delta?.content === 'string' && delta.content !== '');
  });
}
