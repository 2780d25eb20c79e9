/** What a completion needs to know about one request, and what it reports about who served it. */
import type { Endpoint, JsonObject, Target } from '@distillgate/router';
import type { GatewayDeps } from '../env.ts';
import type { RequestMeter } from '../metering/meter.ts';
import { responseId } from './rewrite.ts';

export interface CompletionContext {
  deps: GatewayDeps;
  endpoint: Endpoint;
  /** The validated, normalised request body (its `model` is replaced per target). */
  request: JsonObject;
  /** Targets in failover order (resolved from `request.model`). */
  targets: Target[];
  requestId: string;
  /** The client's abort signal: fires when the client disconnects. */
  signal: AbortSignal;
  /** Prices, time to first token, relayed chunks; ended exactly once with how the request ended. */
  meter: RequestMeter;
}

/** Who served a completion (DESIGN.md §5 "Headers"). */
export interface Served {
  route: 'edge' | 'pool';
  /** Served model id, as in the response's `model`. */
  model: string;
  version: string;
}

/** The headers every completion carries (DESIGN.md §5 "Headers"). */
export function servedHeaders(served: Served): Record<string, string> {
  return {
    'x-distillgate-route': served.route,
    'x-distillgate-model': `${served.model}@${served.version}`,
  };
}

/** `distillgate` fields of the usage chunk a client asked for with `stream_options.include_usage`. */
export function usageExtension(served: Served, costMicroUsd: number): JsonObject {
  return { cost_micro_usd: costMicroUsd, route: served.route, model_version: `${served.model}@${served.version}` };
}

/** Our response id for this request (the same on every chunk of a stream). */
export function completionId(ctx: CompletionContext): string {
  // random, not the client's x-request-id: two clients sending the same id must not share a completion id
  return responseId(ctx.endpoint === 'chat.completions' ? 'chatcmpl' : 'cmpl', crypto.randomUUID());
}

/** Whether the client asked for the final usage chunk. */
export function wantsUsage(ctx: CompletionContext): boolean {
  return (ctx.request.stream_options as JsonObject | undefined)?.include_usage === true;
}
