/**
 * Usage rows, written exactly once per gateway request id (DESIGN.md §5 "Usage rows"): the row is
 * inserted with ON CONFLICT (request_id) DO NOTHING, so a retried write never double-counts, and
 * its attempts go to `usage_attempts` keyed (request_id, n). Writers go through `UsageSink` — the
 * direct database sink here, the Queue sink of usage-queue-sink.ts on Workers — and every sink passes the shared
 * suite in usage-sink-conformance.ts. Idempotent replays write no row (DESIGN.md §5).
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { type Route, type UsageSource, type UsageStatus, usageAttempts, usageEvents } from '../schema.ts';
import { chunkRows } from './chunks.ts';

/** One upstream or edge attempt. */
export interface UsageAttempt {
  /** 1 for the first attempt. */
  n: number;
  /** Upstream member name, or `edge:<model id>`. */
  member: string;
  /** The attempt's typed result as the router names it (`ok`, `timeout`, `http_503`, …). */
  outcome: string;
  latencyMs: number;
}

/** What the gateway records for one request. Tokens are integers, money micro-USD, times ms. */
export interface UsageRecord {
  /** The gateway's `x-request-id`: the row's identity. */
  requestId: string;
  /** null/absent only when the gateway runs without API keys. */
  keyId?: string | null;
  requestedModel: string;
  servedModel?: string | null;
  servedModelVersion?: string | null;
  route?: Route | null;
  upstreamMember?: string | null;
  stream: boolean;
  promptTokens: number;
  /** On a client abort: the tokens relayed, counted with the served model's tokenizer. */
  completionTokens: number;
  /** `upstream` when the upstream's `usage` was present (an explicit 0 included). */
  usageSource: UsageSource;
  /** Charged to the customer: served tokens × the served model's price. */
  costMicroUsd: number;
  /** Not charged: escalated requests' student drafts, shadow runs. @default 0 */
  internalCostMicroUsd?: number;
  latencyMs: number;
  ttftMs?: number | null;
  status: UsageStatus;
  /** The routing policy that chose the route (routed aliases only). */
  routingPolicy?: string | null;
  /** The policy's score (cascade confidence or learned prediction), when one was computed. */
  confidence?: number | null;
  /** @default Date.now() */
  createdAtMs?: number;
  /** @default [] */
  attempts?: readonly UsageAttempt[];
}

/** Where usage goes; `record` may be called more than once per request id, one row results. */
export interface UsageSink {
  /** @throws on an invalid record (RangeError) or when the write fails (callers log, never fail the response) */
  record(row: UsageRecord): Promise<void>;
}

function assertCount(name: string, value: number | null | undefined): void {
  if (value != null && (!Number.isSafeInteger(value) || value < 0)) throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`);
}

/**
 * Checks a record before it is written or enqueued (the Queue sink rejects a bad row at the producer).
 * @throws RangeError / TypeError on negative or fractional counts, an empty request id
 */
export function assertUsageRecord(row: UsageRecord): void {
  if (typeof row.requestId !== 'string' || row.requestId === '') throw new TypeError('requestId must be a non-empty string');
  assertCount('promptTokens', row.promptTokens);
  assertCount('completionTokens', row.completionTokens);
  assertCount('costMicroUsd', row.costMicroUsd);
  assertCount('internalCostMicroUsd', row.internalCostMicroUsd);
  assertCount('latencyMs', row.latencyMs);
  assertCount('ttftMs', row.ttftMs);
  for (const attempt of row.attempts ?? []) {
    assertCount('attempt n', attempt.n);
    assertCount('attempt latencyMs', attempt.latencyMs);
  }
}

/**
 * Inserts the row unless one with its request id exists, then any of its attempts not yet stored.
 * Two statements, no transaction (D1 has none): a crash between them leaves the row without
 * attempts, and recording again fills them in.
 * @returns true when this call inserted the usage row
 * @throws RangeError / TypeError on negative or fractional counts, an empty request id
 */
export async function insertUsage(db: Database, row: UsageRecord): Promise<boolean> {
  assertUsageRecord(row);
  const inserted = await db
    .insert(usageEvents)
    .values({
      requestId: row.requestId,
      keyId: row.keyId ?? null,
      requestedModel: row.requestedModel,
      servedModel: row.servedModel ?? null,
      servedModelVersion: row.servedModelVersion ?? null,
      route: row.route ?? null,
      upstreamMember: row.upstreamMember ?? null,
      stream: row.stream,
      promptTokens: row.promptTokens,
      completionTokens: row.completionTokens,
      usageSource: row.usageSource,
      costMicroUsd: row.costMicroUsd,
      internalCostMicroUsd: row.internalCostMicroUsd ?? 0,
      latencyMs: row.latencyMs,
      ttftMs: row.ttftMs ?? null,
      status: row.status,
      routingPolicy: row.routingPolicy ?? null,
      confidence: row.confidence != null && Number.isFinite(row.confidence) ? row.confidence : null,
      createdAtMs: row.createdAtMs ?? Date.now(),
    })
    .onConflictDoNothing({ target: usageEvents.requestId })
    .returning({ id: usageEvents.id });
  const attempts = (row.attempts ?? []).map((a) => ({ requestId: row.requestId, ...a }));
  for (const chunk of chunkRows(attempts, 5)) {
    await db.insert(usageAttempts).values(chunk).onConflictDoNothing();
  }
  return inserted.length === 1;
}

/**
 * Adds `microUsd` to a recorded request's `internal_cost_micro_usd` (a shadow run's cost, known
 * after the row was written).
 * @returns false when no row has that request id (yet)
 * @throws RangeError for a negative or fractional amount
 */
export async function addInternalCost(db: Database, requestId: string, microUsd: number): Promise<boolean> {
  assertCount('internal cost', microUsd);
  const updated = await db
    .update(usageEvents)
    .set({ internalCostMicroUsd: sql`${usageEvents.internalCostMicroUsd} + ${microUsd}` })
    .where(eq(usageEvents.requestId, requestId))
    .returning({ id: usageEvents.id });
  return updated.length === 1;
}

/** The direct database sink (Node, and Workers without a `USAGE_QUEUE` binding). */
export function createDbUsageSink(db: Database): UsageSink {
  return {
    async record(row) {
      await insertUsage(db, row);
    },
  };
}
