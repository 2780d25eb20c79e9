/**
 * Ordered failover across targets, used only before the first byte reached the client
 * (DESIGN.md §5: never splice a second attempt into a relayed stream).
 *
 * Generic over the target kind and the failure type: it reads only `target.member` and the
 * failure's `kind`, `retryable` and `status`. Pool attempts fail with {@link AttemptFailure};
 * other kinds (the edge) bring their own failure type with the same three fields.
 */
import type { Target } from './targets.ts';
import type { AttemptFailure } from './upstream/failure.ts';

/** What failover needs to know about any failed attempt. */
export interface FailureLike {
  /** Short machine-readable cause, recorded as the attempt's outcome. */
  kind: string;
  /** Whether the next target may be tried. */
  retryable: boolean;
  /** The HTTP status the failure stands for (an upstream's answer, or the edge's equivalent). */
  status?: number;
  message: string;
}

/** The result of one attempt. `Outcome<T>` (upstream/openai-compatible.ts) is the pool's instance. */
export type AttemptOutcome<T, F extends FailureLike = AttemptFailure> = { ok: true; value: T } | { ok: false; failure: F };

/** One attempt, as recorded for `usage_attempts(request_id, n, member, outcome, latency_ms)`. */
export interface AttemptRecord {
  /** 1-based attempt number. */
  n: number;
  /** The target's member: an upstream name, or `edge:<model>`. */
  member: string;
  /** `ok`, or the failure's kind (FailureKind for pool members; each other target kind has its own). */
  outcome: string;
  /** The failure's HTTP status when it has one. */
  status?: number;
  latencyMs: number;
}

export type FailoverResult<T, F extends FailureLike = AttemptFailure, TT extends Target = Target> =
  | { ok: true; value: T; target: TT; attempts: AttemptRecord[] }
  | { ok: false; failure: F; attempts: AttemptRecord[] };

/** The failure reported when there was no target at all. */
const NO_TARGET: AttemptFailure = { kind: 'connect', retryable: false, message: 'no upstream target' };

/**
 * Calls `attempt` on each target in order until one succeeds. Stops early on a non-retryable
 * failure (a deterministic 4xx, or the client went away) and returns it.
 */
export async function tryInOrder<T, F extends FailureLike = AttemptFailure, TT extends Target = Target>(
  targets: readonly TT[],
  attempt: (target: TT) => Promise<AttemptOutcome<T, F>>,
): Promise<FailoverResult<T, F | AttemptFailure, TT>> {
  const attempts: AttemptRecord[] = [];
  let last: F | AttemptFailure = NO_TARGET;
  for (const target of targets) {
    const startedMs = Date.now();
    const outcome = await attempt(target);
    const record: AttemptRecord = {
      n: attempts.length + 1,
      member: target.member,
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
