/**
 * `POST /v1/chat/completions` and `POST /v1/completions`: validate, resolve the model, relay.
 */
import { errors, parseChatCompletionRequest, parseCompletionRequest } from '@distillgate/protocol';
import type { Endpoint, JsonObject } from '@distillgate/router';
import type { Handler } from 'hono';
import { relayJson } from '../completion/relay-json.ts';
import { relayStream } from '../completion/relay-stream.ts';
import type { GatewayDeps, GatewayEnv } from '../env.ts';

const PARSERS: Record<Endpoint, (body: unknown) => { model: string; stream?: boolean | null }> = {
  'chat.completions': parseChatCompletionRequest,
  completions: parseCompletionRequest,
};

export function completionRoute(deps: GatewayDeps, endpoint: Endpoint): Handler<GatewayEnv> {
  const parse = PARSERS[endpoint];
  return async function completionHandler(c) {
    const request = parse(c.get('body'));
    const targets = deps.registry.resolve(request.model);
    if (!targets) throw errors.modelNotFound(request.model);
    // a `pool` alias whose members are all down, cooling down or in their Retry-After window
    if (targets.length === 0) throw errors.modelUnavailable(request.model);
    const ctx = {
      deps,
      endpoint,
      request: request as unknown as JsonObject,
      targets,
      requestId: c.get('requestId'),
      signal: c.get('clientSignal'),
    };
    return request.stream === true ? relayStream(ctx) : relayJson(ctx);
  };
}
