/**
 * The gateway's Hono environment, typed once (STYLE.md: no `c.get('string')` returning any).
 */
import type { Config } from '@distillgate/config';
import type { ApiKey } from '@distillgate/db';
import type { Logger, UpstreamRegistry } from '@distillgate/router';
import type { EdgeProvider } from './edge/provider.ts';
import type { MeteringBackend } from './metering/backend.ts';
import type { GatewayMetrics } from './metrics/index.ts';
import type { GatewayRouter } from './routing/router.ts';

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
  /**
   * Keys, limits, budgets and usage rows (metering/). Absent: no authentication and no usage rows
   * (prices from config still give the cost headers).
   */
  metering?: MeteringBackend;
  /**
   * `DISTILLGATE_ADMIN_TOKEN`: the bearer token of the admin API (`/admin/v1/*`, routes/admin/).
   * Absent or empty: every admin route answers 503 `admin_disabled`.
   */
  adminToken?: string;
  /** Routing plans, shadow samples and calibrated thresholds of routed aliases; createApp builds one when absent. */
  router?: GatewayRouter;
  /** Request counters and latency histograms for `GET /metrics`; createApp builds one when absent. */
  metrics?: GatewayMetrics;
}

export interface GatewayVariables {
  /** Set by the request-id middleware: the gateway's own id for this request, a new UUID. */
  requestId: string;
  /** The client's own request id (`x-client-request-id` / `x-request-id`), when valid; echoed and logged. */
  clientRequestId: string | null;
  /** Fires when the client disconnects before the response finished (set by `clientSignal()`). */
  clientSignal: AbortSignal;
  /** The decoded JSON object body (set by `jsonBody()`). */
  body: Record<string, unknown>;
  /** The authenticated API key (set by `apiKeyAuth()`); null when keys are not required. */
  apiKey: ApiKey | null;
}

export type GatewayEnv = { Variables: GatewayVariables };
