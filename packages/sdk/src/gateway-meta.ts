/**
 * What the gateway says about an answer in its headers (DESIGN.md §5 "Headers"), and the
 * `distillgate` extension of a stream's final usage chunk.
 */

/** Where a request was served: the edge student, the GPU pool, or the pool after the student was unsure. */
export type Route = 'edge' | 'pool' | 'escalated';

/** The gateway's headers of one answer, decoded. */
export interface GatewayMeta {
  /** `x-request-id`: names the usage row; quote it in support requests. */
  requestId: string | null;
  /** `x-distillgate-route`. */
  route: Route | null;
  /** The served model id: `x-distillgate-model` before its last `@`. */
  model: string | null;
  /** The served model's version: `x-distillgate-model` after its last `@`. */
  modelVersion: string | null;
  /** `x-distillgate-cost-micro-usd`: the charge, non-streamed answers only. @unit micro-USD */
  costMicroUsd: number | null;
  /** `x-distillgate-idempotent-replay: true`: a stored answer to an earlier request with the same Idempotency-Key (not billed again). */
  idempotentReplay: boolean;
  /** `x-distillgate-policy`: the routing policy of a routed alias (`rules`, `cascade`, `learned`). */
  policy: string | null;
  /**
   * `x-distillgate-confidence`: the policy's score — the cascade's confidence in its signal's units,
   * or the learned router's predicted quality — when one was computed.
   */
  confidence: number | null;
}

/** The `distillgate` object the gateway adds to a stream's usage chunk (`stream_options.include_usage`). */
export interface DistillgateUsageExtension {
  /** @unit micro-USD */
  cost_micro_usd: number;
  route: Route;
  /** `<id>@<version>` of the served model. */
  model_version: string;
}

const ROUTES: ReadonlySet<string> = new Set(['edge', 'pool', 'escalated']);

function finiteOrNull(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Decodes the gateway's headers; absent or malformed ones become null. */
export function gatewayMeta(headers: Headers): GatewayMeta {
  const route = headers.get('x-distillgate-route');
  const model = headers.get('x-distillgate-model');
  const at = model?.lastIndexOf('@') ?? -1;
  const cost = headers.get('x-distillgate-cost-micro-usd');
  return {
    requestId: headers.get('x-request-id'),
    route: route !== null && ROUTES.has(route) ? (route as Route) : null,
    model: model === null ? null : at > 0 ? model.slice(0, at) : model,
    modelVersion: model !== null && at > 0 ? model.slice(at + 1) : null,
    costMicroUsd: cost !== null && /^\d+$/.test(cost) ? Number(cost) : null,
    idempotentReplay: headers.get('x-distillgate-idempotent-replay') === 'true',
    policy: headers.get('x-distillgate-policy'),
    confidence: finiteOrNull(headers.get('x-distillgate-confidence')),
  };
}
