/**
 * `POST /v1/chat/completions` and `POST /v1/completions`: validate, resolve the model, admit
 * (allowed models, RPM/TPM, budget: metering/admission.ts), relay, and meter the outcome.
 * Every request that passed validation ends its meter exactly once: the relays end it on every
 * path they own; the catch here covers a failure before they started (their `end` is then a no-op).
 * With an `Idempotency-Key`, a repeat is answered from the stored response before admission
 * (metering/idempotency.ts): no second usage row, no limits spent.
 */
import { capturePrompt } from '@distillgate/db';
import { errors, GatewayError, parseChatCompletionRequest, parseCompletionRequest } from '@distillgate/protocol';
import { type Endpoint, type JsonObject, ROUTE_HEADER_VALUES, type Target } from '@distillgate/router';
import type { Handler } from 'hono';
import { type CompletionContext, routingHeaders } from '../completion/context.ts';
import { relayJson } from '../completion/relay-json.ts';
import { relayStream } from '../completion/relay-stream.ts';
import type { GatewayDeps, GatewayEnv } from '../env.ts';
import { admit } from '../metering/admission.ts';
import type { MeteringBackend } from '../metering/backend.ts';
import { withIdempotency } from '../metering/idempotency.ts';
import { type RequestMeter, unmeteredRequest } from '../metering/meter.ts';
import { applyPlan, ROUTE_REQUEST_HEADER } from '../routing/apply.ts';
import { runShadow, type ShadowInput } from '../routing/shadow.ts';

type ParsedRequest = { model: string; stream?: boolean | null; max_tokens?: number; n?: number; messages?: unknown; prompt?: unknown };

const PARSERS: Record<Endpoint, (body: unknown) => ParsedRequest> = {
  'chat.completions': parseChatCompletionRequest,
  completions: parseCompletionRequest,
};

export function completionRoute(deps: GatewayDeps, endpoint: Endpoint): Handler<GatewayEnv> {
  const parse = PARSERS[endpoint];
  return async function completionHandler(c) {
    const startedMs = performance.now();
    const request = parse(c.get('body'));
    const targets = deps.registry.resolve(request.model);
    if (!targets) throw errors.modelNotFound(request.model);
    const requestId = c.get('requestId');
    const key = c.get('apiKey');
    const router = deps.router;
    const alias = router?.policyOf(request.model) ? request.model : undefined;
    const headerRoute = alias ? checkRouteHeader(c.req.header(ROUTE_REQUEST_HEADER)) : null;
    const serve = async (): Promise<Response> => {
      const meter: RequestMeter = deps.metering
        ? await admit({
            backend: deps.metering,
            config: deps.config,
            logger: deps.logger,
            edge: deps.edge,
            key,
            requestId,
            endpoint,
            request,
            targets,
            startedMs,
            ...(deps.metrics ? { metrics: deps.metrics } : {}),
          })
        : unmeteredRequest(deps.config.metering.prices, deps.metrics, startedMs);
      const ctx: CompletionContext = {
        deps,
        endpoint,
        request: request as unknown as JsonObject,
        targets,
        requestId,
        signal: c.get('clientSignal'),
        meter,
      };
      let rule: string | null = null;
      try {
        if (router && alias) {
          const applied = await applyPlan(router, { alias, endpoint, request: ctx.request, keyId: key?.id ?? null, headerRoute, targets });
          ctx.targets = applied.targets;
          ctx.routing = applied.routing;
          rule = applied.rule;
          meter.noteRouting({ policy: applied.routing.plan.policy, confidence: applied.routing.confidence });
        }
        // every member down, cooling down or in its Retry-After window
        if (targets.length === 0) {
          const waitMs = deps.registry.retryAfterMs(request.model);
          throw errors.modelUnavailable(request.model, Math.max(1, Math.ceil((waitMs ?? 1000) / 1000)));
        }
        const response = request.stream === true ? await relayStream(ctx) : await relayJson(ctx);
        for (const [name, value] of Object.entries({ ...meter.headers, ...routingHeaders(ctx) })) response.headers.set(name, value);
        if (deps.metering && deps.config.distill.capturePrompts) captureServedPrompt(deps.metering, ctx, key?.id ?? null, response);
        if (router && alias && deps.metering)
          afterRoutedResponse({ ...deps, router, metering: deps.metering }, ctx, targets, rule, response);
        return response;
      } catch (err) {
        const status = ctx.signal.aborted
          ? 'client_aborted'
          : err instanceof GatewayError && err.status === 429
            ? 'rate_limited'
            : 'upstream_error';
        meter.end({ status });
        throw err;
      }
    };
    if (!deps.metering) return serve();
    const idempotency = {
      db: deps.metering.db,
      logger: deps.logger,
      ...(deps.metering.writes ? { writes: deps.metering.writes } : {}),
      keyId: key?.id ?? null,
      requestId,
      body: c.get('body'),
    };
    return withIdempotency({ ...idempotency, idempotencyKey: c.req.header('idempotency-key') }, serve);
  };
}

/** The `x-distillgate-route` request header: absent → null; a value other than edge|pool → 400. */
function checkRouteHeader(value: string | undefined): string | null {
  if (value === undefined) return null;
  const route = value.trim().toLowerCase();
  if (!(ROUTE_HEADER_VALUES as readonly string[]).includes(route)) {
    throw errors.invalidValue(ROUTE_REQUEST_HEADER, `The ${ROUTE_REQUEST_HEADER} request header must be "edge" or "pool".`);
  }
  return route;
}

/** A routed request's background work: its shadow run when sampled, and a due calibration. */
function afterRoutedResponse(
  deps: ShadowInput['deps'],
  ctx: CompletionContext,
  targets: Target[],
  rule: string | null,
  response: Response,
): void {
  const routing = ctx.routing;
  if (!routing) return;
  const sampleRate = deps.router.sampleShadow(routing.alias);
  const servedRoute = response.headers.get('x-distillgate-route');
  if (sampleRate !== null && (servedRoute === 'edge' || servedRoute === 'pool' || servedRoute === 'escalated')) {
    const shadow = { deps, alias: routing.alias, sampleRate, endpoint: ctx.endpoint, request: ctx.request, requestId: ctx.requestId };
    deps.metering.background(runShadow({ ...shadow, targets, servedRoute, rule, meter: ctx.meter }));
  }
  deps.router.maybeCalibrate(routing.alias, {
    db: deps.metering.db,
    ...(deps.edge ? { edge: deps.edge } : {}),
    background: (task) => deps.metering.background(task),
  });
}

/**
 * Opt-in capture for the distillation job (`distill.capturePrompts`): the prompt of a request the
 * pool served goes to `captured_prompts`, after the response, never to a log. Failures are logged
 * without the prompt and change nothing for the client.
 */
function captureServedPrompt(backend: MeteringBackend, ctx: CompletionContext, keyId: string | null, response: Response): void {
  const route = response.headers.get('x-distillgate-route');
  if (route !== 'pool' && route !== 'escalated') return; // the teacher answered: what distillation learns from
  const servedModel = (response.headers.get('x-distillgate-model') ?? '').replace(/@[^@]*$/, '');
  const { messages, prompt } = ctx.request;
  const body = JSON.stringify(ctx.endpoint === 'chat.completions' ? { messages } : { prompt });
  backend.background(
    capturePrompt(backend.db, { requestId: ctx.requestId, keyId, servedModel, endpoint: ctx.endpoint, body }).catch((err: unknown) =>
      ctx.deps.logger.error('prompt capture failed', {
        request_id: ctx.requestId,
        error: err instanceof Error ? err.message : String(err),
      }),
    ),
  );
}
