/**
 * Reads the request body as a JSON object:
 * - 415 unless the content type is `application/json` (any letter case; a `charset` parameter
 *   must be UTF-8, RFC 8259 §8.1), and unless the body is unencoded (`Content-Encoding` absent or
 *   `identity`: compressed bodies are refused, not misread);
 * - 400 `invalid_json` for an empty body, invalid UTF-8, malformed JSON, a value that is not an
 *   object, or nesting deeper than {@link MAX_JSON_DEPTH} (deeper values overflow the stack when
 *   re-serialised for an upstream).
 * Runs after the body-limit middleware, whose wrapped stream enforces `server.maxBodyBytes`.
 */
import { errors, GatewayError } from '@distillgate/protocol';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../env.ts';

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/** Deepest array/object nesting accepted. OpenAI requests (tools' JSON Schemas included) stay far below. */
export const MAX_JSON_DEPTH = 64;

/** Deepest bracket nesting of JSON text, strings skipped; stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--;
  }
  return max;
}

function refuseMediaType(contentType: string | null, message: string): GatewayError {
  const base = errors.unsupportedMediaType(contentType);
  return new GatewayError({ status: base.status, type: base.type, code: base.code, param: base.param, message });
}

export function jsonBody(): MiddlewareHandler<GatewayEnv> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return async function jsonBodyMiddleware(c, next) {
    const contentType = c.req.header('content-type') ?? null;
    if (contentType === null || !JSON_MEDIA_TYPE.test(contentType.trim())) throw errors.unsupportedMediaType(contentType);
    const charset = CHARSET.exec(contentType)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw refuseMediaType(contentType, `Unsupported charset '${charset.slice(0, 40)}'; request bodies must be UTF-8 JSON.`);
    }
    const encoding = c.req.header('content-encoding')?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      throw refuseMediaType(contentType, `Unsupported Content-Encoding '${encoding.slice(0, 40)}'; send the body uncompressed.`);
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw errors.invalidJson('request body is not valid UTF-8');
    }
    if (text.trim() === '') throw errors.invalidJson('request body is empty; expected a JSON object');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw errors.invalidJson(`request body is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw errors.invalidJson('request body must be a JSON object');
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH) throw errors.invalidJson(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    c.set('body', value as Record<string, unknown>);
    await next();
  };
}
