/** Non-streaming completion: fail over across targets, rewrite, price, respond. */
import { costMicroUsd, readUsage } from '@distillgate/metering';
import { tryInOrder } from '@distillgate/router';
import { type CompletionContext, servedHeaders } from './context.ts';
import { failureToError } from './failure-error.ts';
import { responseId, rewriteInPlace } from './rewrite.ts';

/** @throws GatewayError when no target succeeds */
export async function relayJson(ctx: CompletionContext): Promise<Response> {
  const { deps, request, requestId } = ctx;
  const result = await tryInOrder(ctx.targets, (target) =>
    target.upstream.createJson(ctx.endpoint, { ...request, model: target.model }, { signal: ctx.signal, requestId }),
  );
  if (!result.ok) {
    deps.logger.warn('upstream attempts failed', { request_id: requestId, attempts: result.attempts, failure: result.failure.message });
    throw failureToError(result.failure, String(request.model));
  }
  const { target, value: body } = result;
  rewriteInPlace(body, {
    id: responseId(ctx.endpoint === 'chat.completions' ? 'chatcmpl' : 'cmpl', requestId),
    model: target.model,
    requestId,
    logger: deps.logger,
  });
  const usage = readUsage(body.usage);
  if (!usage) deps.logger.warn('upstream response has no usage', { request_id: requestId, member: target.upstream.name });
  const cost = usage ? costMicroUsd(usage, deps.config.metering.prices[target.model]) : 0;
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: {
      'content-type': 'application/json',
      ...servedHeaders(target),
      'x-distillgate-cost-micro-usd': String(cost),
    },
  });
}
