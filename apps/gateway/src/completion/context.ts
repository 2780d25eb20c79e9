/** What a completion relay needs to know about one request. */
import type { Endpoint, JsonObject, Target } from '@distillgate/router';
import type { GatewayDeps } from '../env.ts';

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
}

/** The headers every completion carries (DESIGN.md §5 "Headers"). */
export function servedHeaders(target: Target): Record<string, string> {
  return {
    'x-distillgate-route': 'pool',
    'x-distillgate-model': `${target.model}@${target.version}`,
  };
}
