/**
 * Gives every request the gateway's own id, a new UUID: it keys the request's usage row and
 * idempotency ownership (DESIGN.md §5), so it must be unique — a client-chosen id could repeat and
 * make a second request's usage row vanish into the first's (insert-or-ignore). The id is set on
 * the context and on every response (`x-request-id`), error responses and raw stream `Response`s
 * included. A client's own id (`x-client-request-id`, or `x-request-id` as other gateways take
 * it) is echoed back as `x-client-request-id` and logged beside ours when it is 1–128 characters
 * of `[A-Za-z0-9._:-]` (OpenAI's convention for client ids).
 */
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../env.ts';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): MiddlewareHandler<GatewayEnv> {
  return async function requestIdMiddleware(c, next) {
    const id = crypto.randomUUID();
    const incoming = c.req.header('x-client-request-id') ?? c.req.header('x-request-id');
    const clientId = incoming && VALID_ID.test(incoming) ? incoming : null;
    c.set('requestId', id);
    c.set('clientRequestId', clientId);
    await next();
    c.header('x-request-id', id);
    if (clientId) c.header('x-client-request-id', clientId);
  };
}
