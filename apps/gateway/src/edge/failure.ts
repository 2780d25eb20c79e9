/**
 * An edge attempt's failure, for failover and for the client (DESIGN.md §5 error table). Every
 * kind lets an alias move on to its next target; when it is the last failure, the client gets
 * `error`:
 *
 * | kind          | engine / provider error            | client error (last target)                  |
 * |---------------|------------------------------------|---------------------------------------------|
 * | `overloaded`  | EdgeOverloadedError                | 429 `edge_overloaded` + Retry-After         |
 * | `unavailable` | EdgeUnavailableError, worker crash | 503 `model_unavailable`                     |
 * | `rejected`    | ContextLengthExceededError         | 400 `context_length_exceeded` (+ param)     |
 * | `rejected`    | InvalidGenerationRequestError      | 400 `invalid_value` (+ param)               |
 *
 * A rejected request moves on because a later target may have a larger context or support the
 * parameter (n > 1, tools…); the edge is never the only judge of a request when an alias has more.
 */
import { ContextLengthExceededError, EdgeOverloadedError, InvalidGenerationRequestError } from '@distillgate/edge-model/errors';
import { errors, GatewayError } from '@distillgate/protocol';
import type { AttemptFailure, FailureLike } from '@distillgate/router';
import { EdgeUnavailableError } from './provider.ts';

export interface EdgeFailure extends FailureLike {
  kind: 'overloaded' | 'unavailable' | 'rejected';
  retryable: true;
  /** The status of `error`, recorded on the attempt. */
  status: number;
  /** What the client gets when no later target serves the request. */
  error: GatewayError;
}

const fail = (kind: EdgeFailure['kind'], error: GatewayError): EdgeFailure => ({
  kind,
  retryable: true,
  status: error.status,
  message: error.message,
  error,
});

/**
 * Classifies what `EdgeProvider.generate` (or the first read of its events) threw.
 * @param signal the client's: when it fired, the attempt is `aborted` (no further target)
 */
export function edgeFailure(err: unknown, model: string, signal: AbortSignal): EdgeFailure | AttemptFailure {
  if (signal.aborted) return { kind: 'aborted', retryable: false, message: 'client closed the connection' };
  if (err instanceof EdgeOverloadedError) {
    const seconds = String(Math.max(1, err.retryAfterSeconds));
    return fail(
      'overloaded',
      new GatewayError({
        status: 429,
        type: 'server_error',
        code: 'edge_overloaded',
        message: `The edge model '${model}' is overloaded (${err.active} running, ${err.queued} queued). Retry after ${seconds} s.`,
        headers: { 'retry-after': seconds },
      }),
    );
  }
  if (err instanceof ContextLengthExceededError) return fail('rejected', errors.contextLengthExceeded(err.message, err.param));
  if (err instanceof InvalidGenerationRequestError) return fail('rejected', errors.invalidValue(err.param, err.message));
  const detail =
    err instanceof EdgeUnavailableError ? err.message : `the edge runtime failed: ${err instanceof Error ? err.message : String(err)}`;
  const unavailable = errors.modelUnavailable(model);
  return fail(
    'unavailable',
    new GatewayError({ status: 503, type: unavailable.type, code: unavailable.code, param: unavailable.param, message: detail }),
  );
}
