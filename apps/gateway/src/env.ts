/**
 * The gateway's Hono environment, typed once (STYLE.md: no `c.get('string')` returning any).
 */
import type { Config } from '@distillgate/config';
import type { Logger, UpstreamRegistry } from '@distillgate/router';
import type { EdgeProvider } from './edge/provider.ts';

/** What an app instance is built from; `server.ts` and `worker.ts` each assemble one. */
export interface GatewayDeps {
  config: Config;
  registry: UpstreamRegistry;
  logger: Logger;
  /**
   * Serves `edge.models` in-process: Node's worker-thread provider (`edge/node/`) or the Workers
   * one (`edge/workerd/`). Absent: edge targets count as unavailable (an alias falls through to its
   * next target; a direct request gets 503 `model_unavailable`).
   */
  edge?: EdgeProvider;
}

export interface GatewayVariables {
  /** Set by the request-id middleware: the client's valid `x-request-id`, or a new UUID. */
  requestId: string;
  /** Fires when the client disconnects before the response finished (set by `clientSignal()`). */
  clientSignal: AbortSignal;
  /** The decoded JSON object body (set by `jsonBody()`). */
  body: Record<string, unknown>;
}

export type GatewayEnv = { Variables: GatewayVariables };
