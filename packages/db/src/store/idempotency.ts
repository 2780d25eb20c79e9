/**
 * `Idempotency-Key` (DESIGN.md §5 "Idempotency"): scope (API key, Idempotency-Key), kept 24 h.
 * The gateway calls `beginIdempotent` before doing any work:
 *   new       → handle the request, then `completeIdempotent` with the response to store, or
 *               `abandonIdempotent` when the outcome should not be replayed (a 5xx, 429 or abort:
 *               clients such as openai-node retry with the same key, which must run again)
 *   in_flight → 409 `idempotency_key_in_flight` with `Retry-After: 1`
 *   mismatch  → 400 `idempotency_key_reused` (same key, different body hash)
 *   replay    → the stored response (JSON body or SSE event list) with
 *               `x-distillgate-idempotent-replay: true`, and no usage row
 * A different body wins over in-flight: reusing a key for another body is a client error that no
 * retry fixes. An in-flight record whose owner died (process crash) is taken over by a request
 * with the same body once its lease has passed. Stored responses are never logged.
 */
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { idempotencyRecords } from '../schema.ts';

/** How long a record is kept after it was created (DESIGN.md §5). @unit ms */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long an in-flight record stays owned before a same-body request may take it over. Longer
 * than any request should run (upstream timeouts bound the silences, not the total).
 * @unit ms @default 10 minutes
 */
export const IDEMPOTENCY_LEASE_MS = 10 * 60 * 1000;

/** A response to replay. `sse`: the events' `data` payloads in order (`[DONE]` included if sent). */
export type StoredResponse = { status: number; headers: Record<string, string> } & (
  | { kind: 'json'; body: string }
  | { kind: 'sse'; events: string[] }
);

export type BeginResult =
  | { state: 'new' }
  | { state: 'in_flight'; retryAfterS: number }
  | { state: 'mismatch' }
  | { state: 'replay'; requestId: string; response: StoredResponse };

/** Identifies a record and its owner. */
export interface IdempotencyOwner {
  keyId: string;
  idempotencyKey: string;
  /** The gateway request id that began the record. */
  requestId: string;
}

type RecordRow = typeof idempotencyRecords.$inferSelect;

function scope(keyId: string, idempotencyKey: string) {
  return and(eq(idempotencyRecords.keyId, keyId), eq(idempotencyRecords.idempotencyKey, idempotencyKey));
}

function storedResponse(row: RecordRow): StoredResponse {
  const base = { status: row.responseStatus ?? 200, headers: row.responseHeaders ?? {} };
  if (row.responseKind === 'sse') return { ...base, kind: 'sse', events: JSON.parse(row.responseBody ?? '[]') as string[] };
  return { ...base, kind: 'json', body: row.responseBody ?? '' };
}

/**
 * Claims (key, Idempotency-Key) for `requestId`, or says why not. The claim is one statement:
 * insert, or take over a record that expired or whose in-flight lease passed with the same body.
 * @param input.bodySha256 lowercase hex SHA-256 of the raw request body (`sha256Hex`)
 * @param input.leaseMs in-flight lease; @default IDEMPOTENCY_LEASE_MS
 */
export async function beginIdempotent(
  db: Database,
  input: IdempotencyOwner & { bodySha256: string; leaseMs?: number },
  nowMs: number = Date.now(),
): Promise<BeginResult> {
  const leaseMs = input.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  const fresh = {
    keyId: input.keyId,
    idempotencyKey: input.idempotencyKey,
    bodySha256: input.bodySha256,
    requestId: input.requestId,
    state: 'in_flight' as const,
    leaseExpiresAtMs: nowMs + leaseMs,
    responseStatus: null,
    responseHeaders: null,
    responseKind: null,
    responseBody: null,
    createdAtMs: nowMs,
    expiresAtMs: nowMs + IDEMPOTENCY_TTL_MS,
  };
  const { keyId: _k, idempotencyKey: _i, ...takeover } = fresh;
  const r = idempotencyRecords;
  for (let tries = 0; tries < 3; tries++) {
    const claimed = await db
      .insert(r)
      .values(fresh)
      .onConflictDoUpdate({
        target: [r.keyId, r.idempotencyKey],
        set: takeover,
        setWhere: sql`${r.expiresAtMs} <= ${nowMs} OR (${r.state} = 'in_flight' AND ${r.leaseExpiresAtMs} <= ${nowMs} AND ${r.bodySha256} = ${input.bodySha256})`,
      })
      .returning({ requestId: r.requestId });
    if (claimed.length === 1) return { state: 'new' };
    const [row] = await db.select().from(r).where(scope(input.keyId, input.idempotencyKey));
    if (!row) continue; // abandoned between the two statements: claim again
    if (row.bodySha256 !== input.bodySha256) return { state: 'mismatch' };
    if (row.state === 'in_flight') return { state: 'in_flight', retryAfterS: 1 };
    return { state: 'replay', requestId: row.requestId, response: storedResponse(row) };
  }
  return { state: 'in_flight', retryAfterS: 1 };
}

/**
 * Stores the response for replay and marks the record done; only its owner may.
 * @returns false when `requestId` no longer owns an in-flight record (taken over or expired)
 */
export async function completeIdempotent(db: Database, owner: IdempotencyOwner & { response: StoredResponse }): Promise<boolean> {
  const { response } = owner;
  const r = idempotencyRecords;
  const done = await db
    .update(r)
    .set({
      state: 'done',
      responseStatus: response.status,
      responseHeaders: response.headers,
      responseKind: response.kind,
      responseBody: response.kind === 'sse' ? JSON.stringify(response.events) : response.body,
    })
    .where(and(scope(owner.keyId, owner.idempotencyKey), eq(r.requestId, owner.requestId), eq(r.state, 'in_flight')))
    .returning({ requestId: r.requestId });
  return done.length === 1;
}

/**
 * Drops an in-flight record without a response, so the next request with this key runs afresh.
 * @returns false when `requestId` no longer owns an in-flight record
 */
export async function abandonIdempotent(db: Database, owner: IdempotencyOwner): Promise<boolean> {
  const r = idempotencyRecords;
  const gone = await db
    .delete(r)
    .where(and(scope(owner.keyId, owner.idempotencyKey), eq(r.requestId, owner.requestId), eq(r.state, 'in_flight')))
    .returning({ requestId: r.requestId });
  return gone.length === 1;
}

/**
 * Deletes records past their 24 h (expired ones are already ignored by `beginIdempotent`; this
 * only reclaims space). Run now and then, e.g. hourly.
 * @returns records deleted
 */
export async function purgeExpiredIdempotency(db: Database, nowMs: number = Date.now()): Promise<number> {
  const gone = await db
    .delete(idempotencyRecords)
    .where(lte(idempotencyRecords.expiresAtMs, nowMs))
    .returning({ requestId: idempotencyRecords.requestId });
  return gone.length;
}

/**
 * Deletes every in-flight record: their owners died with the previous process, and their clients'
 * retries would otherwise get 409 until the lease ran out. Call at start, and only when this
 * process is the database's one writer (the embedded Node default), like `clearReservations`.
 * @returns records deleted
 */
export async function clearInFlightIdempotency(db: Database): Promise<number> {
  const gone = await db
    .delete(idempotencyRecords)
    .where(eq(idempotencyRecords.state, 'in_flight'))
    .returning({ requestId: idempotencyRecords.requestId });
  return gone.length;
}
