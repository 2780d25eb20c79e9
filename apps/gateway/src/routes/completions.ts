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
import type { Endpoint, JsonObject } from '@distillgate/router';
import type { Handler } from 'hono';
import type { CompletionContext } from '../completion/context.ts';
import { relayJson } from '../completion/relay-json.ts';
import { relayStream } from '../completion/relay-stream.ts';
import type { GatewayDeps, GatewayEnv } from '../env.ts';
import { admit } from '../metering/admission.ts';
import type { MeteringBackend } from '../metering/backend.ts';
import { withIdempotency } from '../metering/idempotency.ts';
import { type RequestMeter, unmeteredRequest } from '../metering/meter.ts';

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
          })
        : unmeteredRequest(deps.config.metering.prices);
      const ctx: CompletionContext = {
        deps,
        endpoint,
        request: request as unknown as JsonObject,
        targets,
        requestId,
        signal: c.get('clientSignal'),
        meter,
      };
      try {
        // every member down, cooling down or in its Retry-After window
        if (targets.length === 0) {
          const waitMs = deps.registry.retryAfterMs(request.model);
          throw errors.modelUnavailable(request.model, Math.max(1, Math.ceil((waitMs ?? 1000) / 1000)));
        }
        const response = request.stream === true ? await relayStream(ctx) : await relayJson(ctx);
        for (const [name, value] of Object.entries(meter.headers)) response.headers.set(name, value);
        if (deps.metering && deps.config.distill.capturePrompts) captureServedPrompt(deps.metering, ctx, key?.id ?? null, response);
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
    const idempotency = { db: deps.metering.db, logger: deps.logger, keyId: key?.id ?? null, requestId, body: c.get('body') };
    return withIdempotency({ ...idempotency, idempotencyKey: c.req.header('idempotency-key') }, serve);
  };
}

/**
 * Opt-in capture for the distillation job (`distill.capturePrompts`): the prompt of a request the
 * pool served goes to `captured_prompts`, after the response, never to a log. Failures are logged
 * without the prompt and change nothing for the client.
 */
function captureServedPrompt(backend: MeteringBackend, ctx: CompletionContext, keyId: string | null, response: Response): void {
  if (response.headers.get('x-distillgate-route') !== 'pool') return;
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
