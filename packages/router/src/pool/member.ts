/**
 * The state of one pool member: outstanding requests, the Retry-After window, the active health
 * check's verdict and a circuit breaker fed by passive failures. One instance per upstream, shared
 * by every alias that names it. Times come from an injected clock so tests can move them.
 */
import type { AttemptFailure } from '../upstream/failure.ts';

/** closed: in use; open: kept out until the cooldown ends; half_open: one probe request let through. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface MemberOptions {
  /** Consecutive failed attempts that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker keeps the member out. @unit ms */
  cooldownMs: number;
  /** @default Date.now */
  nowMs?: () => number;
}

/** Whether a failed attempt says something about the member (vs. about the request or the client). */
export function countsAgainstMember(failure: AttemptFailure): boolean {
  if (failure.kind === 'aborted') return false;
  if (failure.kind !== 'http') return true; // connect, timeout, protocol (bad JSON, cut stream)
  // a deterministic 4xx is the request's fault; 429 is "busy", handled by its Retry-After window
  return failure.retryable && failure.status !== 429;
}

export class MemberState {
  /** Requests the gateway has sent to this member and not yet finished (streams: until their end). */
  inFlight = 0;
  /** `vllm:num_requests_waiting` from the member's /metrics, when scraped. */
  waiting = 0;
  /** The last active health check's verdict (true until a check says otherwise). */
  healthy = true;
  private breaker: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAtMs = 0;
  private probeInFlight = false;
  /** No calls before this time (the upstream's Retry-After). @unit ms since epoch */
  private notBeforeMs = 0;
  private readonly nowMs: () => number;

  constructor(
    readonly name: string,
    private readonly options: MemberOptions,
  ) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  get breakerState(): BreakerState {
    return this.breaker;
  }

  /** What the balancer compares: outstanding requests here plus those queued inside the member. */
  get load(): number {
    return this.inFlight + this.waiting;
  }

  /** Whether a request may be sent now. */
  available(): boolean {
    const now = this.nowMs();
    if (!this.healthy || now < this.notBeforeMs) return false;
    if (this.breaker === 'closed') return true;
    if (this.breaker === 'open') return now - this.openedAtMs >= this.options.cooldownMs;
    return !this.probeInFlight; // half_open: one probe at a time
  }

  /**
   * How long until `available()` may turn true by waiting alone (Retry-After window, open
   * breaker's cooldown), ms; undefined when it is available now or waits on a health check or a probe.
   */
  msUntilAvailable(): number | undefined {
    if (this.available() || !this.healthy) return undefined;
    const now = this.nowMs();
    const windowMs = Math.max(0, this.notBeforeMs - now);
    const cooldownMs = this.breaker === 'open' ? Math.max(0, this.openedAtMs + this.options.cooldownMs - now) : 0;
    const wait = Math.max(windowMs, cooldownMs);
    return wait > 0 ? wait : undefined;
  }

  /** A request is being sent; call the returned function once with its outcome. */
  begin(): (outcome: { ok: true } | { ok: false; failure: AttemptFailure }) => void {
    this.inFlight++;
    const probe = this.breaker !== 'closed';
    if (probe) {
      this.breaker = 'half_open';
      this.probeInFlight = true;
    }
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      if (probe) this.probeInFlight = false;
      if (outcome.ok) this.recordSuccess();
      else this.recordFailure(outcome.failure);
    };
  }

  /** The member answered properly (or the active check passed): close the breaker. */
  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.breaker = 'closed';
  }

  recordFailure(failure: AttemptFailure): void {
    if (failure.retryAfterMs !== undefined) this.notBeforeMs = Math.max(this.notBeforeMs, this.nowMs() + failure.retryAfterMs);
    if (!countsAgainstMember(failure)) {
      if (failure.kind === 'http') this.recordSuccess(); // it answered: the member itself is fine
      return;
    }
    this.consecutiveFailures++;
    if (this.breaker === 'half_open' || this.consecutiveFailures >= this.options.failureThreshold) {
      this.breaker = 'open';
      this.openedAtMs = this.nowMs();
    }
  }

  /** The active health check's verdict. A passing check also closes the breaker: the member is back. */
  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
    if (healthy) this.recordSuccess();
  }
}
