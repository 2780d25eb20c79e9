/**
 * `Idempotency-Key` for completions (DESIGN.md §5 "Idempotency"): scope (API key, Idempotency-Key),
 * kept 24 h (packages/db idempotency.ts holds the records).
 *
 *   first request   → runs; a 200 is stored (JSON body, or the SSE events as they were sent) once
 *                     it has ended completely; anything else (an error, a cut or aborted stream)
 *                     gives the key back, so the client's retry runs again
 *   same key, body  → while the first runs: 409 `idempotency_key_in_flight` + `Retry-After: 1`;
 *                     after: the stored response with `x-distillgate-idempotent-replay: true`,
 *                     and no usage row, no limits spent (the replay happens before admission)
 *   other body      → 400 `idempotency_key_reused`
 *
 * The body hash is SHA-256 of the parsed body re-serialised with sorted keys (the same JSON in
 * another key order is the same request). Stored responses are never logged.
 */
import {
  abandonIdempotent,
  beginIdempotent,
  completeIdempotent,
  type Database,
  type IdempotencyOwner,
  type StoredResponse,
  sha256Hex,
} from '@distillgate/db';
import { errors, SSE_DONE } from '@distillgate/protocol';
import type { Logger } from '@distillgate/router';
import { type WriteGate, writeWithRetries } from './write-gate.ts';

/** `Idempotency-Key` values accepted: 1–255 visible ASCII characters (Stripe's and OpenAI's SDKs send UUIDs). */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;
/** The scope of requests made without an API key (`metering.requireApiKey: false`). */
const NO_KEY_SCOPE = '-';
/** Response headers stored for a replay (the replay gets its own x-request-id). */
const REPLAYED_HEADERS = [
  'content-type',
  'x-distillgate-route',
  'x-distillgate-model',
  'x-distillgate-cost-micro-usd',
  'x-distillgate-policy',
  'x-distillgate-confidence',
];

export interface IdempotencyInput {
  db: Database;
  logger: Logger;
  /** Paces the record's final write while the database is locked (Node); it is retried either way. */
  writes?: WriteGate;
  /** The header's value, if sent. */
  idempotencyKey: string | undefined;
  keyId: string | null;
  requestId: string;
  body: unknown;
}

/**
 * Runs `handle` under the key's claim, or answers from the stored record.
 * @throws GatewayError 400 invalid_value (malformed key) / idempotency_key_reused, 409 idempotency_key_in_flight;
 *   whatever `handle` throws (the claim is given back first)
 */
export async function withIdempotency(input: IdempotencyInput, handle: () => Promise<Response>): Promise<Response> {
  const { idempotencyKey, db, logger } = input;
  if (idempotencyKey === undefined) return handle();
  if (!VALID_KEY.test(idempotencyKey))
    throw errors.invalidValue('Idempotency-Key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
  const owner: IdempotencyOwner = { keyId: input.keyId ?? NO_KEY_SCOPE, idempotencyKey, requestId: input.requestId };
  const begun = await beginIdempotent(db, { ...owner, bodySha256: await sha256Hex(canonicalJson(input.body)) });
  if (begun.state === 'in_flight') throw errors.idempotencyKeyInFlight();
  if (begun.state === 'mismatch') throw errors.idempotencyKeyReused();
  if (begun.state === 'replay') return replay(begun.response, begun.requestId);

  // the record's last write must land, or the key stays `in_flight` (409) until a restart: retried
  const giveBack = () =>
    writeWithRetries(() => abandonIdempotent(db, owner), input.writes).catch((err: unknown) =>
      logger.error('idempotency record not released', {
        request_id: owner.requestId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  let response: Response;
  try {
    response = await handle();
  } catch (err) {
    await giveBack();
    throw err;
  }
  if (response.status !== 200 || !response.body) {
    await giveBack();
    return response;
  }
  const headers = Object.fromEntries(
    REPLAYED_HEADERS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])),
  );
  const store = (stored: StoredResponse) =>
    writeWithRetries(() => completeIdempotent(db, { ...owner, response: stored }), input.writes).catch((err: unknown) =>
      logger.error('idempotency record not stored', {
        request_id: owner.requestId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await response.text();
    await store({ status: 200, headers, kind: 'json', body: text });
    return new Response(text, { status: 200, headers: response.headers });
  }
  return new Response(recordStream(response.body, headers, store, giveBack), { status: 200, headers: response.headers });
}

/** Passes the stream through unchanged; stores its events if it ends with `[DONE]`, else gives the key back. */
function recordStream(
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
  store: (stored: StoredResponse) => Promise<unknown>,
  giveBack: () => Promise<unknown>,
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let text = '';
  let settled = false;
  const settle = (complete: boolean) => {
    if (settled) return;
    settled = true;
    const events = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => e.slice('data: '.length));
    if (complete && events.at(-1) === '[DONE]') void store({ status: 200, headers, kind: 'sse', events });
    else void giveBack();
  };
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          text += decoder.decode();
          settle(true);
          controller.close();
          return;
        }
        text += decoder.decode(value, { stream: true });
        controller.enqueue(value);
      } catch (err) {
        settle(false);
        controller.error(err);
      }
    },
    cancel(reason) {
      settle(false);
      return reader.cancel(reason);
    },
  });
}

/** The stored response again, marked as a replay, naming the request that produced it. */
function replay(stored: StoredResponse, originalRequestId: string): Response {
  const headers = { ...stored.headers, 'x-distillgate-idempotent-replay': 'true', 'x-distillgate-original-request-id': originalRequestId };
  if (stored.kind === 'json') return new Response(stored.body, { status: stored.status, headers });
  const sse = stored.events.map((data) => (data === '[DONE]' ? SSE_DONE : `data: ${data}\n\n`)).join('');
  return new Response(sse, { status: stored.status, headers: { ...headers, 'cache-control': 'no-cache' } });
}

/** JSON with object keys sorted at every level (arrays keep their order). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
