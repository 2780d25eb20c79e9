/**
 * Reads the request body as a JSON object:
 * - 415 unless the content type is `application/json` (any letter case; a `charset` parameter
 *   must be UTF-8, RFC 8259 §8.1), and unless the body is unencoded (`Content-Encoding` absent or
 *   `identity`: compressed bodies are refused, not misread);
 * - 400 `invalid_json` for an empty body, invalid UTF-8, malformed JSON, a value that is not an
 *   object, or nesting deeper than {@link MAX_JSON_DEPTH} (deeper values overflow the stack when
 *   re-serialised for an upstream).
 * - 413 `request_too_large` past `maxBytes`: from `Content-Length` before reading, else while
 *   reading a chunked body (stopping there).
 * (Not hono/body-limit: it reads `c.req.raw`, which makes @hono/node-server build a full Web
 * Request per call — measurable on the gateway's hot path, see bench/gateway.ts.)
 */
import { errors, GatewayError } from '@distillgate/protocol';
import type { Context, MiddlewareHandler } from 'hono';
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

/** The body's bytes, refusing more than `maxBytes`. */
async function readLimited(c: Context<GatewayEnv>, maxBytes: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && /^\d+$/.test(declared.trim())) {
    if (Number(declared) > maxBytes) throw errors.requestTooLarge(maxBytes);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw errors.requestTooLarge(maxBytes);
    return bytes;
  }
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw errors.requestTooLarge(maxBytes);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function refuseMediaType(contentType: string | null, message: string): GatewayError {
  const base = errors.unsupportedMediaType(contentType);
  return new GatewayError({ status: base.status, type: base.type, code: base.code, param: base.param, message });
}

/** @param maxBytes largest accepted body (`server.maxBodyBytes`) */
export function jsonBody(maxBytes: number): MiddlewareHandler<GatewayEnv> {
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
    const bytes = await readLimited(c, maxBytes);
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
