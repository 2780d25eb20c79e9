/**
 * Metering inside workerd (D1 + the per-key Durable Object): API-key refusals, one usage row per
 * request priced from config, and the key's object settling every hold to the rows' costs.
 */

import { env, exports } from 'cloudflare:workers';
import { createKey, getKey, type UsageStatus, usageEvents } from '@distillgate/db';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AUTH, DEV_KEY, testDatabase } from './dev-key.ts';
import { eventually } from './eventually.ts';

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;
const db = testDatabase();

function chat(body: unknown, headers: Record<string, string> = AUTH): Promise<Response> {
  return worker.fetch(
    new Request('http://gateway/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

const TEACHER = { model: 'distillgate-teacher', messages: [{ role: 'user', content: 'count to three please' }], max_tokens: 8 };

async function rowsFor(requestIds: string[]) {
  const rows = await Promise.all(requestIds.map((id) => db.select().from(usageEvents).where(eq(usageEvents.requestId, id))));
  return rows.every((r) => r.length === 1) ? rows.map((r) => r[0]!) : undefined;
}

describe('API keys in workerd', () => {
  it('refuses every malformed or unknown key with the same 401 body, never a 500', async () => {
    const ok = await chat(TEACHER);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const variants: Record<string, string> = {
      'first character changed': `Bearer x${DEV_KEY.slice(1)}`,
      'last character changed': `Bearer ${DEV_KEY.slice(0, -1)}x`,
      '3 characters': 'Bearer abc',
      '2,000 characters': `Bearer ${'a'.repeat(2000)}`,
      'empty bearer': 'Bearer ',
      'no scheme': DEV_KEY,
      'non-ASCII (Latin-1 byte)': `Bearer ${DEV_KEY.slice(0, -1)}\u00e9`,
      'non-ASCII (UTF-8 bytes as sent on the wire)': `Bearer ${DEV_KEY}\u00d0\u00ba\u00d0\u00bb`,
    };
    const bodies = new Set<string>();
    for (const [name, authorization] of Object.entries(variants)) {
      const res = await chat(TEACHER, { authorization });
      expect(res.status, name).toBe(401);
      bodies.add(await res.text());
    }
    const missing = await chat(TEACHER, {});
    expect(missing.status).toBe(401);
    bodies.add(await missing.text());
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0]!)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null } });
  });

  it('guards /v1/models too, and never reads a key from the query string', async () => {
    expect((await worker.fetch(new Request('http://gateway/v1/models'))).status).toBe(401);
    expect((await worker.fetch(new Request('http://gateway/v1/models', { headers: AUTH }))).status).toBe(200);
    const query = await worker.fetch(new Request(`http://gateway/v1/models?api_key=${DEV_KEY}`, { headers: AUTH }));
    expect(query.status).toBe(401);
    await query.arrayBuffer();
  });
});

describe('usage rows and the key object in workerd', () => {
  it('writes one row per request (unique request id), status ok, priced from config; the key object holds nothing after', async () => {
    const requestIds: string[] = [];
    for (const stream of [false, true, false, true, false]) {
      const res = await chat({ ...TEACHER, stream });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      requestIds.push(res.headers.get('x-request-id')!);
    }
    expect(new Set(requestIds).size).toBe(requestIds.length);
    const rows = await eventually('5 usage rows', () => rowsFor(requestIds));
    const key = (await db.select().from(usageEvents).where(eq(usageEvents.requestId, requestIds[0]!)))[0]!.keyId!;
    for (const row of rows) {
      expect(row).toMatchObject({ keyId: key, status: 'ok' satisfies UsageStatus, servedModel: 'distillgate-teacher', route: 'pool' });
      expect(row.costMicroUsd).toBeGreaterThan(0);
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(0);
    }
    // every row of the key (earlier tests in this file used it too) against its object's spend
    const stub = env.KEY_LIMITS.get(env.KEY_LIMITS.idFromName(key));
    const spentByRows = async () =>
      (await db.select().from(usageEvents).where(eq(usageEvents.keyId, key))).reduce((sum, r) => sum + r.costMicroUsd, 0);
    const state = await eventually('settled holds', async () => {
      const s = await stub.state();
      return s.reservedMicroUsd === 0 && s.spentMicroUsd === (await spentByRows()) ? s : undefined;
    });
    expect(state).toMatchObject({ spentMicroUsd: await spentByRows(), reservedMicroUsd: 0, openHolds: 0 });
    expect(state.spentMicroUsd).toBeGreaterThanOrEqual(rows.reduce((sum, r) => sum + r.costMicroUsd, 0));
  });

  it('carries the cost header equal to the row and x-ratelimit headers from the key object; RPM refusals are 429 requests', async () => {
    const { secret, key } = await createKey(db, { name: 'rpm 2', rpm: 2 });
    const headers = { authorization: `Bearer ${secret}` };
    const first = await chat(TEACHER, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const cost = Number(first.headers.get('x-distillgate-cost-micro-usd'));
    expect(cost).toBeGreaterThan(0);
    await first.arrayBuffer();
    (await chat(TEACHER, headers)).arrayBuffer();
    const third = await chat(TEACHER, headers);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await third.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const [row] = await eventually('the first row', () => rowsFor([first.headers.get('x-request-id')!]));
    expect(row!.costMicroUsd).toBe(cost);
    expect((await getKey(db, key.id))?.rpm).toBe(2);
  });
});
