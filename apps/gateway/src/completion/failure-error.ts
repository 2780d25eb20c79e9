/**
 * Turns the last failed attempt into the client's error (DESIGN.md §5 error table).
 * Pool failures: deterministic request faults keep the upstream's message and param; everything
 * else is a 5xx. Edge failures carry the error they stand for (edge/failure.ts).
 */
import { type ErrorCode, errors, GatewayError } from '@distillgate/protocol';
import type { AttemptFailure, Logger } from '@distillgate/router';
import type { EdgeFailure } from '../edge/failure.ts';
import type { EscalationFailure } from '../routing/cascade-gate.ts';

/** Any failed attempt: a pool member's, an edge model's, or a cascade escalation. */
export type Failure = AttemptFailure | EdgeFailure | EscalationFailure;

const CONTEXT_LENGTH = /context length|context_length|maximum context|too many tokens/i;

export function failureToError(failure: Failure, model: string): GatewayError {
  if ('error' in failure) return failure.error;
  if (failure.kind === 'http' && !failure.retryable && failure.status !== undefined && failure.status < 500) {
    const upstream = failure.upstreamError ?? {};
    const message = upstream.message ?? `upstream rejected the request (HTTP ${failure.status})`;
    const code: ErrorCode =
      upstream.code === 'context_length_exceeded' || CONTEXT_LENGTH.test(message) ? 'context_length_exceeded' : 'invalid_value';
    return new GatewayError({
      status: 400,
      type: 'invalid_request_error',
      code,
      param: typeof upstream.param === 'string' ? upstream.param : null,
      message,
    });
  }
  if (failure.kind === 'timeout') return errors.upstreamTimeout(`model ${model}: ${failure.message}`);
  const busy = failure.kind === 'http' && (failure.status === 429 || failure.status === 503);
  if (busy) {
    const err = errors.modelUnavailable(model);
    const retryAfterSeconds = Math.max(1, Math.ceil((failure.retryAfterMs ?? 1000) / 1000));
    return new GatewayError({
      status: err.status,
      type: err.type,
      code: err.code,
      param: err.param,
      message: `every upstream serving ${model} is busy; retry later`,
      headers: { ...err.headers, 'retry-after': String(retryAfterSeconds) },
    });
  }
  // the upstream's own words stay in the log: for 401/403 they are about the gateway's credentials
  const cause = failure.kind === 'http' ? `upstream answered HTTP ${failure.status}` : failure.message;
  return errors.upstreamError(`no upstream could serve ${model}: ${cause}`);
}

/**
 * The end of a failover that found no target: logs the attempts (unless the client left, which
 * is no failure of ours) and returns the client's error.
 */
export function allTargetsFailed(
  ctx: { deps: { logger: Logger }; requestId: string; signal: AbortSignal; request: { model?: unknown } },
  result: { failure: Failure; attempts: unknown[] },
): GatewayError {
  const error = failureToError(result.failure, String(ctx.request.model));
  if (!ctx.signal.aborted) {
    // the request's own fault (a deterministic 4xx) is no incident
    const level = error.status < 500 && error.status !== 429 ? 'info' : 'warn';
    ctx.deps.logger[level]('every target failed', {
      request_id: ctx.requestId,
      attempts: result.attempts,
      failure: result.failure.message,
    });
  }
  return error;
}

/**
 * Logs the attempts that failed before another target served the request (failover, retries). A
 * cascade escalation is routing, not a failure: alone it is logged at debug.
 */
export function logFailover(ctx: { deps: { logger: Logger }; requestId: string }, attempts: readonly { outcome: string }[]): void {
  if (attempts.length <= 1) return;
  const failed = attempts.slice(0, -1).filter((a) => a.outcome !== 'escalated');
  ctx.deps.logger[failed.length > 0 ? 'warn' : 'debug']('failed over', { request_id: ctx.requestId, attempts });
}
