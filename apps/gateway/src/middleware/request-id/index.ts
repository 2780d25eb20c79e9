/**
 * Gives every request an id: the client's `x-request-id` when it is 1–128 characters of
 * `[A-Za-z0-9._:-]`, else a new UUID. The id is set on the context and on every response,
 * including error responses and streams returned as raw `Response` objects.
 */
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../env.ts';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): MiddlewareHandler<GatewayEnv> {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header('x-request-id');
    const id = incoming && VALID_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
    await next();
    c.header('x-request-id', id);
  };
}
