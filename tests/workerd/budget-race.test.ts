/**
 * The budget under concurrency in workerd: 20 requests at once against a key whose budget admits
 * exactly 4 worst cases. The key's Durable Object runs one admission at a time, so exactly 4 pass
 * and 16 get 429 insufficient_quota; afterwards its spend equals the 4 usage rows and nothing
 * stays reserved.
 *
 * The served model's price here charges completion tokens only and every answer uses all of its
 * max_tokens (the mock echoes more words than that), so each request's actual cost equals its
 * worst case: an early settlement frees no budget, and the count of admitted requests cannot
 * depend on how the 20 interleave.
 */

import { env, exports } from 'cloudflare:workers';
import { createKey, putPrice, usageEvents } from '@distillgate/db';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { testDatabase } from './dev-key.ts';
import { eventually } from './eventually.ts';

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;
const db = testDatabase();

const MODEL = 'distillgate-teacher';
const MAX_TOKENS = 8;
/** USD per 1M completion tokens; × tokens = micro-USD. */
const OUTPUT_USD_PER_MTOK = 1000;
const WORST_MICRO_USD = MAX_TOKENS * OUTPUT_USD_PER_MTOK;
const CONCURRENT = 20;
const ADMITTED = 4;

it(`admits exactly ${ADMITTED} of ${CONCURRENT} concurrent requests on a budget for ${ADMITTED}; spend = the rows, nothing reserved`, async () => {
  await putPrice(db, { model: MODEL, inputMicroUsdPerMTok: 0, outputMicroUsdPerMTok: OUTPUT_USD_PER_MTOK * 1_000_000 });
  const { key, secret } = await createKey(db, { name: 'budget for 4', budgetMicroUsd: ADMITTED * WORST_MICRO_USD });
  const body = JSON.stringify({
    model: MODEL,
    max_tokens: MAX_TOKENS,
    messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
  });
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      worker.fetch(
        new Request('http://gateway/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          body,
        }),
      ),
    ),
  );
  const answers = await Promise.all(
    responses.map(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> })),
  );
  const ok = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status === 429);
  expect(ok).toHaveLength(ADMITTED);
  expect(refused).toHaveLength(CONCURRENT - ADMITTED);
  for (const r of refused) expect(r.body).toMatchObject({ error: { type: 'insufficient_quota', code: 'insufficient_quota' } });
  for (const a of ok) expect(a.body).toMatchObject({ usage: { completion_tokens: MAX_TOKENS } });

  const rows = await eventually(`${CONCURRENT} usage rows`, async () => {
    const found = await db.select().from(usageEvents).where(eq(usageEvents.keyId, key.id));
    return found.length === CONCURRENT ? found : undefined;
  });
  const served = rows.filter((r) => r.status === 'ok');
  expect(served).toHaveLength(ADMITTED);
  expect(rows.filter((r) => r.status === 'rate_limited' && r.costMicroUsd === 0)).toHaveLength(CONCURRENT - ADMITTED);
  const spent = served.reduce((sum, r) => sum + r.costMicroUsd, 0);
  expect(spent).toBe(ADMITTED * WORST_MICRO_USD);

  const stub = env.KEY_LIMITS.get(env.KEY_LIMITS.idFromName(key.id));
  const state = await eventually('every hold settled', async () => {
    const s = await stub.state();
    return s.reservedMicroUsd === 0 && s.openHolds === 0 ? s : undefined;
  });
  expect(state).toMatchObject({ spentMicroUsd: spent, reservedMicroUsd: 0 });
});
