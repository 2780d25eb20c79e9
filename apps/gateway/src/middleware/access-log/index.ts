/**
 * One structured line per request: method, path (query string redacted), status, latency.
 * Never headers or bodies (they may hold keys or prompts).
 */
import type { Logger } from '@distillgate/router';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../env.ts';
import { redactUrl } from '../../log.ts';

export function accessLog(logger: Logger): MiddlewareHandler<GatewayEnv> {
  return async function accessLogMiddleware(c, next) {
    const startedMs = Date.now();
    await next();
    const url = new URL(c.req.url);
    logger.info('request', {
      request_id: c.get('requestId'),
      ...(c.get('clientRequestId') ? { client_request_id: c.get('clientRequestId') } : {}),
      method: c.req.method,
      path: redactUrl(url.pathname + url.search),
      status: c.res.status,
      latency_ms: Date.now() - startedMs,
    });
  };
}
