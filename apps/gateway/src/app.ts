/**
 * The gateway's Hono app: the route table and middleware order, in one place.
 *
 *   request-id → client signal → access log → CORS → (/v1/*) API key → (POST) JSON body (size-limited) → handler
 *   /admin/v1/*: no-store → admin gate → admin auth (token or session cookie) → handler (routes/admin/index.ts)
 *   /metrics: no-store → admin gate → admin auth (token) → Prometheus text (routes/metrics.ts)
 *   errors: GatewayError → OpenAI envelope; anything else → logged 500 `server_error`
 */
import { isDatabaseBusy } from '@distillgate/db';
import { errorResponse, errors, GatewayError } from '@distillgate/protocol';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { GatewayDeps, GatewayEnv } from './env.ts';
import { GatewayMetrics } from './metrics/index.ts';
import { accessLog } from './middleware/access-log/index.ts';
import { apiKeyAuth } from './middleware/api-key/index.ts';
import { clientSignal } from './middleware/client-signal/index.ts';
import { jsonBody } from './middleware/json-body/index.ts';
import { requestId } from './middleware/request-id/index.ts';
import { adminRoutes } from './routes/admin/index.ts';
import { completionRoute } from './routes/completions.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { metricsRoute } from './routes/metrics.ts';
import { modelsRoute } from './routes/models.ts';
import { usageRoute } from './routes/usage.ts';
import { GatewayRouter } from './routing/router.ts';

/** Status recorded for a request whose client disconnected first (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

/** Response headers browsers may read (DESIGN.md §5 "Headers"). */
const EXPOSED_HEADERS = [
  'x-request-id',
  'x-client-request-id',
  'x-distillgate-route',
  'x-distillgate-model',
  'x-distillgate-cost-micro-usd',
  'x-distillgate-policy',
  'x-distillgate-confidence',
  'x-distillgate-idempotent-replay',
  'x-distillgate-original-request-id',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
];

export function createApp(given: GatewayDeps): Hono<GatewayEnv> {
  const deps: GatewayDeps = {
    ...given,
    router: given.router ?? new GatewayRouter(given.config, given.logger),
    metrics: given.metrics ?? new GatewayMetrics(),
  };
  const { config, logger } = deps;
  const app = new Hono<GatewayEnv>();

  app.use(requestId());
  app.use(clientSignal());
  app.use(accessLog(logger));
  if (config.server.cors.origins.length > 0) {
    const origins = config.server.cors.origins;
    app.use(
      cors({
        origin: origins.includes('*') ? '*' : origins,
        allowMethods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'x-client-request-id', 'x-distillgate-route'],
        exposeHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      }),
    );
  }

  const body = jsonBody(config.server.maxBodyBytes);
  app.use('/v1/*', apiKeyAuth(deps));

  app.post('/v1/chat/completions', body, completionRoute(deps, 'chat.completions'));
  app.post('/v1/completions', body, completionRoute(deps, 'completions'));
  app.get('/v1/models', modelsRoute(deps));
  app.get('/v1/usage', usageRoute(deps));
  app.route('/admin/v1', adminRoutes(deps));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/metrics', metricsRoute(deps));
  app.route('/', dashboardRoutes()); // GET /dashboard/*: the static page (its data needs the admin session)

  app.notFound((c) =>
    c.json(
      {
        error: {
          message: `Unknown route: ${c.req.method} ${new URL(c.req.url).pathname}`,
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      },
      404,
    ),
  );
  app.onError((err, c) => {
    // The client went away (mid-body or before the answer): nobody reads this response; record it
    // as 499 (nginx's "client closed request"), not as a server or upstream error.
    if (c.get('clientSignal')?.aborted) {
      logger.info('client closed request', { request_id: c.get('requestId') });
      return c.body(null, CLIENT_CLOSED_REQUEST as 200);
    }
    if (err instanceof GatewayError) return errorResponse(err);
    if (isDatabaseBusy(err)) {
      logger.warn('database busy: request refused', { request_id: c.get('requestId') });
      return errorResponse(errors.databaseBusy());
    }
    logger.error('unhandled error', { request_id: c.get('requestId'), error: err instanceof Error ? err.message : String(err) });
    return c.json({ error: { message: 'internal error', type: 'server_error', param: null, code: null } }, 500);
  });
  return app;
}
