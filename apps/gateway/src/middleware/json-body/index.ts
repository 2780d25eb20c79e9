/**
 * Reads the request body as a JSON object: 415 unless the content type is `application/json`
 * (any letter case, parameters such as `charset` allowed), 400 `invalid_json` for an empty body,
 * invalid UTF-8, malformed JSON or a JSON value that is not an object. Runs after the body-limit
 * middleware, whose wrapped stream enforces `server.maxBodyBytes` while this reads.
 */
import { errors } from '@distillgate/protocol';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../env.ts';

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

export function jsonBody(): MiddlewareHandler<GatewayEnv> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return async function jsonBodyMiddleware(c, next) {
    const contentType = c.req.header('content-type') ?? null;
    if (contentType === null || !JSON_MEDIA_TYPE.test(contentType.trim())) throw errors.unsupportedMediaType(contentType);
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
    c.set('body', value as Record<string, unknown>);
    await next();
  };
}
