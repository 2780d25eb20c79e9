import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempDatabase, type TempDatabase } from '../temp-database.ts';
import { sha256Hex } from './crypto.ts';
import {
  abandonIdempotent,
  beginIdempotent,
  completeIdempotent,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  purgeExpiredIdempotency,
  type StoredResponse,
} from './idempotency.ts';

const T0 = Date.UTC(2026, 6, 1);
let t: TempDatabase;
let body: string;
let otherBody: string;
beforeEach(async () => {
  t = openTempDatabase();
  body = await sha256Hex('{"model":"auto","messages":[]}');
  otherBody = await sha256Hex('{"model":"auto","messages":[{}]}');
});
afterEach(() => t.close());

const scope = { keyId: 'key_a', idempotencyKey: 'idem-1' };
const json: StoredResponse = {
  status: 200,
  headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
  kind: 'json',
  body: '{"id":"x"}',
};

describe('Idempotency-Key records', () => {
  it('new → in flight (409) → done → replay of the stored JSON response', async () => {
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0)).toEqual({ state: 'new' });
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-2', bodySha256: body }, T0 + 1)).toEqual({
      state: 'in_flight',
      retryAfterS: 1,
    });
    expect(await completeIdempotent(t.db, { ...scope, requestId: 'req-1', response: json })).toBe(true);
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-3', bodySha256: body }, T0 + 2)).toEqual({
      state: 'replay',
      requestId: 'req-1',
      response: json,
    });
  });

  it('a different body under the same key is a mismatch (400), in flight or done', async () => {
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-2', bodySha256: otherBody }, T0)).toEqual({ state: 'mismatch' });
    await completeIdempotent(t.db, { ...scope, requestId: 'req-1', response: json });
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-3', bodySha256: otherBody }, T0)).toEqual({ state: 'mismatch' });
  });

  it('scopes by API key: the same Idempotency-Key under another key is independent', async () => {
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    expect(await beginIdempotent(t.db, { ...scope, keyId: 'key_b', requestId: 'req-2', bodySha256: otherBody }, T0)).toEqual({
      state: 'new',
    });
  });

  it('replays an SSE event list in order', async () => {
    const sse: StoredResponse = {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      kind: 'sse',
      events: ['{"a":1}', '{"b":"<|endoftext|>"}', '[DONE]'],
    };
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    await completeIdempotent(t.db, { ...scope, requestId: 'req-1', response: sse });
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-2', bodySha256: body }, T0)).toMatchObject({
      state: 'replay',
      response: sse,
    });
  });

  it('abandoning lets the next request with the key run afresh; only the owner can complete or abandon', async () => {
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    expect(await completeIdempotent(t.db, { ...scope, requestId: 'req-other', response: json })).toBe(false);
    expect(await abandonIdempotent(t.db, { ...scope, requestId: 'req-other' })).toBe(false);
    expect(await abandonIdempotent(t.db, { ...scope, requestId: 'req-1' })).toBe(true);
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-2', bodySha256: otherBody }, T0)).toEqual({ state: 'new' });
  });

  it('expires after 24 h: the key can then be used again, with any body', async () => {
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    await completeIdempotent(t.db, { ...scope, requestId: 'req-1', response: json });
    expect((await beginIdempotent(t.db, { ...scope, requestId: 'req-2', bodySha256: body }, T0 + IDEMPOTENCY_TTL_MS - 1)).state).toBe(
      'replay',
    );
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-3', bodySha256: otherBody }, T0 + IDEMPOTENCY_TTL_MS)).toEqual({
      state: 'new',
    });
    expect(await completeIdempotent(t.db, { ...scope, requestId: 'req-1', response: json })).toBe(false);
  });

  it('takes over an in-flight record whose lease passed (owner died) for the same body only', async () => {
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    const later = T0 + IDEMPOTENCY_LEASE_MS;
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-2', bodySha256: otherBody }, later)).toEqual({ state: 'mismatch' });
    expect(await beginIdempotent(t.db, { ...scope, requestId: 'req-3', bodySha256: body }, later)).toEqual({ state: 'new' });
    expect(await completeIdempotent(t.db, { ...scope, requestId: 'req-1', response: json })).toBe(false);
    expect(await completeIdempotent(t.db, { ...scope, requestId: 'req-3', response: json })).toBe(true);
  });

  it('lets exactly one of many concurrent first requests through', async () => {
    const connections = [t.db, t.connect().db, t.connect().db];
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) => beginIdempotent(connections[i % 3]!, { ...scope, requestId: `req-${i}`, bodySha256: body }, T0)),
    );
    expect(results.filter((r) => r.state === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.state === 'in_flight')).toHaveLength(8);
  });

  it('purges expired records', async () => {
    await beginIdempotent(t.db, { ...scope, requestId: 'req-1', bodySha256: body }, T0);
    await beginIdempotent(t.db, { ...scope, idempotencyKey: 'idem-2', requestId: 'req-2', bodySha256: body }, T0 + 1000);
    expect(await purgeExpiredIdempotency(t.db, T0 + IDEMPOTENCY_TTL_MS)).toBe(1);
    expect(await purgeExpiredIdempotency(t.db, T0 + IDEMPOTENCY_TTL_MS)).toBe(0);
  });
});
