/**
 * The cascade gate inside an edge attempt (issue 8 §1 "cascade"): the student drafts its first K
 * tokens (fewer when it finishes sooner) before anything reaches the client; their confidence score
 * (packages/router `routing/confidence.ts`) is compared with the alias's threshold. Below it — or
 * with no token at all — the draft is discarded and the attempt fails with `escalated`, so the
 * failover moves on to the pool; the client only ever sees the teacher's tokens. The latency the
 * gate adds to a served stream is the K decode steps before its first byte; an escalation adds
 * them to the teacher's time to first token.
 */
import type { GenerationEvent } from '@distillgate/edge-model';
import { errors, type GatewayError } from '@distillgate/protocol';
import { type CascadeGate, confidenceScore, type FailureLike } from '@distillgate/router';

/** The attempt failure of an escalated draft (recorded as the attempt's outcome `escalated`). */
export interface EscalationFailure extends FailureLike {
  kind: 'escalated';
  retryable: true;
  /** Only reaches a client when no pool target follows, which the router avoids (no gate then). */
  error: GatewayError;
}

export interface GateResult {
  /** The events read, in order: token events, and the done event when the draft ended within K. */
  head: GenerationEvent[];
  /** The draft's score; null when it had no token. */
  score: number | null;
  /** Whether the draft stays on the edge. */
  pass: boolean;
}

/**
 * Reads the draft's head and scores it.
 * @param drafted counts the tokens drafted so far, also when reading throws (their cost is internal)
 * @throws what reading the events throws (the caller classifies it as an edge failure)
 */
export async function runGate(events: AsyncIterator<GenerationEvent>, gate: CascadeGate, drafted: { tokens: number }): Promise<GateResult> {
  const head: GenerationEvent[] = [];
  const steps = [];
  while (steps.length < gate.probeTokens) {
    const next = await events.next();
    if (next.done) throw new Error('generation ended without a done event');
    head.push(next.value);
    if (next.value.type === 'done') break;
    steps.push(next.value.confidence);
    drafted.tokens = steps.length;
  }
  const score = confidenceScore(steps, gate.signal);
  return { head, score, pass: score !== null && score >= gate.threshold };
}

export function escalationFailure(model: string, score: number | null, threshold: number): EscalationFailure {
  const message = `the student's draft scored ${score === null ? 'nothing (no token)' : score.toFixed(4)} < threshold ${threshold}: escalated`;
  return { kind: 'escalated', retryable: true, message, error: errors.modelUnavailable(model) };
}
