/**
 * Non-streaming completion: fail over across targets (pool members relayed, edge models served
 * in-process by completion/edge.ts), price, respond.
 */
import { readUsage } from '@distillgate/metering';
import { type AttemptOutcome, type PoolTarget, tryInOrder } from '@distillgate/router';
import { type CompletionContext, completionId, servedHeaders } from './context.ts';
import { edgeJson, type JsonAnswer } from './edge.ts';
import { allTargetsFailed, type Failure, logFailover } from './failure-error.ts';
import { rewriteInPlace } from './rewrite.ts';

/** @throws GatewayError when no target succeeds (the meter has recorded it) */
export async function relayJson(ctx: CompletionContext): Promise<Response> {
  const result = await tryInOrder(ctx.targets, (target) => (target.kind === 'edge' ? edgeJson(ctx, target) : poolJson(ctx, target)));
  if (!result.ok) {
    const error = allTargetsFailed(ctx, result);
    ctx.meter.end({ status: endStatus(ctx, error.status), attempts: result.attempts });
    throw error;
  }
  logFailover(ctx, result.attempts);
  const { body, served, costMicroUsd: cost, usage } = result.value;
  ctx.meter.firstToken();
  ctx.meter.end({ status: 'ok', served, member: served.route === 'pool' ? result.target.member : null, usage, attempts: result.attempts });
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: {
      'content-type': 'application/json',
      ...servedHeaders(served),
      'x-distillgate-cost-micro-usd': String(cost),
    },
  });
}

/** A usage row's status for a request no target served. */
export function endStatus(ctx: CompletionContext, httpStatus: number): 'client_aborted' | 'rate_limited' | 'upstream_error' {
  if (ctx.signal.aborted) return 'client_aborted';
  return httpStatus === 429 ? 'rate_limited' : 'upstream_error';
}

/** One pool member: relay, then rewrite `id`/`model`/`finish_reason` and price its usage. */
async function poolJson(ctx: CompletionContext, target: PoolTarget): Promise<AttemptOutcome<JsonAnswer, Failure>> {
  const { deps, requestId } = ctx;
  const end = target.state.begin();
  const outcome = await target.upstream.createJson(
    ctx.endpoint,
    { ...ctx.request, model: target.model },
    { signal: ctx.signal, requestId },
  );
  end(outcome.ok ? { ok: true } : outcome);
  if (!outcome.ok) return outcome;
  const body = outcome.value;
  rewriteInPlace(body, { id: completionId(ctx), model: target.model, requestId, logger: deps.logger });
  const usage = readUsage(body.usage);
  if (!usage) deps.logger.warn('upstream response has no usage', { request_id: requestId, member: target.member });
  const cost = usage ? ctx.meter.cost(target.model, usage) : 0;
  return { ok: true, value: { body, served: { route: 'pool', model: target.model, version: target.version }, costMicroUsd: cost, usage } };
}
