/** What a completion needs to know about one request, and what it reports about who served it. */
import type { Endpoint, JsonObject, RoutePlan, Target } from '@distillgate/router';
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
  /** Set on routed aliases (policy rules | cascade | learned): the plan and what became of it. */
  routing?: RoutingState;
}

/** A routed request's plan and what happened to it. */
export interface RoutingState {
  alias: string;
  plan: RoutePlan;
  /** The policy's score once known: the learned prediction at planning, the cascade's after the draft. */
  confidence: number | null;
  /** The cascade gate sent the request to the pool (the pool's answer is then route `escalated`). */
  escalated: boolean;
}

/** Who served a completion (DESIGN.md §5 "Headers"). */
export interface Served {
  /** `escalated`: the pool served after the cascade gate discarded the student's draft. */
  route: 'edge' | 'pool' | 'escalated';
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

/** The route of a pool member's answer: `escalated` after a cascade escalation, else `pool`. */
export function poolRoute(ctx: CompletionContext): 'pool' | 'escalated' {
  return ctx.routing?.escalated ? 'escalated' : 'pool';
}

/**
 * Routing headers of a routed request: `x-distillgate-policy` and, when a score was computed,
 * `x-distillgate-confidence` (the cascade's confidence in its signal's units, or the learned
 * router's predicted quality), rounded to 4 decimals.
 */
export function routingHeaders(ctx: CompletionContext): Record<string, string> {
  if (!ctx.routing) return {};
  const { plan, confidence } = ctx.routing;
  const headers: Record<string, string> = { 'x-distillgate-policy': plan.policy };
  if (confidence !== null && Number.isFinite(confidence)) headers['x-distillgate-confidence'] = String(Math.round(confidence * 1e4) / 1e4);
  return headers;
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
