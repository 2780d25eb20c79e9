/**
 * Non-streaming completion: fail over across targets (pool members relayed, edge models served
 * in-process by completion/edge.ts), price, respond.
 */
import { readUsage } from '@distillgate/metering';
import { type AttemptOutcome, type JsonObject, type PoolTarget, tryInOrder } from '@distillgate/router';
import { type CompletionContext, completionId, poolRoute, type Served, servedHeaders } from './context.ts';
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
  const { body, served, costMicroUsd: cost, usage, estimated } = result.value;
  ctx.meter.firstToken();
  const member = served.route === 'edge' ? null : result.target.member;
  ctx.meter.end({ status: 'ok', served, member, usage, estimated: estimated === true, attempts: result.attempts });
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
  const reported = readUsage(body.usage);
  if (!reported) deps.logger.warn('upstream response has no usage', { request_id: requestId, member: target.member });
  // without the upstream's counts: the prompt estimate and the returned text counted with tiktoken
  const usage = reported ?? ctx.meter.estimate(completionText(body));
  const cost = ctx.meter.cost(target.model, usage);
  const served: Served = { route: poolRoute(ctx), model: target.model, version: target.version };
  return { ok: true, value: { body, served, costMicroUsd: cost, usage, estimated: !reported } };
}

/** Every choice's text (`message.content` or legacy `text`), joined: what the client was sent. */
function completionText(body: JsonObject): string {
  const choices = Array.isArray(body.choices) ? (body.choices as JsonObject[]) : [];
  return choices
    .map((c) => {
      const message = c?.message as JsonObject | undefined;
      return typeof message?.content === 'string' ? message.content : typeof c?.text === 'string' ? c.text : '';
    })
    .join('');
}
