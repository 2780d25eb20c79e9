/**
 * Ordered failover across targets, used only before the first byte reached the client
 * (DESIGN.md §5: never splice a second attempt into a relayed stream).
 */
import type { Target } from './targets.ts';
import type { AttemptFailure, FailureKind } from './upstream/failure.ts';
import type { Outcome } from './upstream/openai-compatible.ts';

/** One attempt, as recorded for `usage_attempts(request_id, n, member, outcome, latency_ms)`. */
export interface AttemptRecord {
  /** 1-based attempt number. */
  n: number;
  /** Upstream name. */
  member: string;
  outcome: 'ok' | FailureKind;
  /** Upstream HTTP status when it answered one. */
  status?: number;
  latencyMs: number;
}

export type FailoverResult<T> =
  | { ok: true; value: T; target: Target; attempts: AttemptRecord[] }
  | { ok: false; failure: AttemptFailure; attempts: AttemptRecord[] };

/**
 * Calls `attempt` on each target in order until one succeeds. Stops early on a non-retryable
 * failure (a deterministic 4xx, or the client went away) and returns it.
 */
export async function tryInOrder<T>(
  targets: readonly Target[],
  attempt: (target: Target) => Promise<Outcome<T>>,
): Promise<FailoverResult<T>> {
  const attempts: AttemptRecord[] = [];
  let last: AttemptFailure = { kind: 'connect', retryable: false, message: 'no upstream target' };
  for (const target of targets) {
    const startedMs = Date.now();
    const outcome = await attempt(target);
    const record: AttemptRecord = {
      n: attempts.length + 1,
      member: target.upstream.name,
      outcome: outcome.ok ? 'ok' : outcome.failure.kind,
      latencyMs: Date.now() - startedMs,
    };
    if (!outcome.ok && outcome.failure.status !== undefined) record.status = outcome.failure.status;
    attempts.push(record);
    if (outcome.ok) return { ok: true, value: outcome.value, target, attempts };
    last = outcome.failure;
    if (!last.retryable) break;
  }
  return { ok: false, failure: last, attempts };
}
