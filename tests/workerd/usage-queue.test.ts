/**
 * The Queue UsageSink inside workerd (packages/db/src/store/usage-queue-sink.ts, the Worker's
 * `queue()` handler in apps/gateway/src/worker.ts):
 * 1. the shared UsageSink conformance suite, each row going producer → MessageBatch → queue() → D1;
 * 2. at-least-once delivery: the same message delivered twice (one batch, or two) → one row, both acked;
 * 3. a failing write (a key id D1's foreign key refuses) and an unreadable body → retried, not acked,
 *    while the rest of the batch is acked;
 * 4. a real miniflare queue (TEST_USAGE_QUEUE, vitest.config.ts) delivering to the Worker's queue();
 * 5. the Workers metering backend picks the Queue sink when given the USAGE_QUEUE producer.
 */

import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createQueueUsageSink, listAttempts, type UsageMessage, type UsageRecord, usageEvents } from '@distillgate/db';
import { silentLogger } from '@distillgate/router';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createWorkersMetering } from '../../apps/gateway/src/metering/workerd/index.ts';
import worker from '../../apps/gateway/src/worker.ts';
import { describeUsageSink, sampleUsage } from '../../packages/db/src/store/usage-sink-conformance.ts';
import { testDatabase } from './dev-key.ts';
import { eventually } from './eventually.ts';

const db = testDatabase();
const QUEUE = 'distillgate-usage-staging';
let nextId = 0;

const message = (row: UsageRecord, id = `msg-${nextId++}`) => ({
  id,
  timestamp: new Date(),
  attempts: 1,
  body: { kind: 'usage', v: 1, row } satisfies UsageMessage as unknown,
});

/** Delivers messages to the Worker's queue() handler as the runtime would; returns what it acked and retried. */
async function deliver(messages: ReturnType<typeof message>[]) {
  const batch = createMessageBatch(QUEUE, messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, env as never);
  return getQueueResult(batch, ctx);
}

async function stored(requestId: string) {
  const rows = await db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId));
  const attempts = (await listAttempts(db, requestId)).map(({ requestId: _r, ...a }) => a);
  return { rows, attempts };
}

describeUsageSink('Queue sink → queue() → D1 (workerd)', async () => {
  const pending: unknown[] = [];
  return {
    sink: createQueueUsageSink({
      async send(body) {
        pending.push(structuredClone(body)); // a queue carries a copy, never the caller's object
      },
    }),
    async read(requestId) {
      const bodies = pending.splice(0);
      if (bodies.length > 0) {
        const result = await deliver(bodies.map((body) => ({ id: `conf-${nextId++}`, timestamp: new Date(), attempts: 1, body })));
        expect(result.retryMessages).toEqual([]);
        expect(result.explicitAcks).toHaveLength(bodies.length);
      }
      return stored(requestId);
    },
    async close() {},
  };
});

describe('the usage queue consumer (at-least-once delivery)', () => {
  it('writes a message delivered twice — in one batch and again in a later one — as one row, acking every copy', async () => {
    const row = sampleUsage('req-queue-dup');
    const first = message(row);
    const again = message(row);
    const once = await deliver([first, again]);
    expect(once.explicitAcks.sort()).toEqual([first.id, again.id].sort());
    expect(once.retryMessages).toEqual([]);
    const redelivered = await deliver([{ ...first, attempts: 2 }]);
    expect(redelivered.explicitAcks).toEqual([first.id]);
    const { rows, attempts } = await stored('req-queue-dup');
    expect(rows).toHaveLength(1);
    expect(attempts).toHaveLength(2);
  });

  it('retries a message whose write fails and one it cannot read, and acks the rest of the batch', async () => {
    const good = message(sampleUsage('req-queue-good'));
    const failing = message(sampleUsage('req-queue-fk', { keyId: 'key_missing' })); // D1 enforces the foreign key
    const unreadable = { ...message(sampleUsage('unused')), body: { kind: 'something-else' } };
    const result = await deliver([good, failing, unreadable]);
    expect(result.explicitAcks).toEqual([good.id]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual([failing.id, unreadable.id].sort());
    expect(result.retryBatch.retry).toBe(false);
    expect((await stored('req-queue-good')).rows).toHaveLength(1);
    expect((await stored('req-queue-fk')).rows).toHaveLength(0);
  });

  it('delivers through a real queue to the Worker: the same row sent twice lands once', async () => {
    const sink = createQueueUsageSink(env.TEST_USAGE_QUEUE);
    const row = sampleUsage('req-queue-real', { costMicroUsd: 77 });
    await sink.record(row);
    await sink.record(row);
    await env.TEST_USAGE_QUEUE.send({ kind: 'usage', v: 1, row: sampleUsage('req-queue-real-2') });
    const rows = await eventually('the queued rows in D1', async () => {
      const [a, b] = await Promise.all([stored('req-queue-real'), stored('req-queue-real-2')]);
      return a.rows.length > 0 && b.rows.length > 0 ? a.rows : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.costMicroUsd).toBe(77);
  });

  it('is the sink the Workers metering backend uses when USAGE_QUEUE is bound; a bad row fails at the producer', async () => {
    const sent: UsageMessage[] = [];
    const metering = createWorkersMetering({
      database: env.DB,
      keyLimits: env.KEY_LIMITS as never,
      usageQueue: { send: async (body) => void sent.push(body) },
      prices: {},
      waitUntil: () => {},
      logger: silentLogger,
    });
    await metering.sink.record(sampleUsage('req-queue-selected'));
    expect(sent.map((m) => m.row.requestId)).toEqual(['req-queue-selected']);
    expect((await stored('req-queue-selected')).rows).toHaveLength(0); // not written until consumed
    await expect(metering.sink.record(sampleUsage('req-queue-bad', { promptTokens: -1 }))).rejects.toThrow(RangeError);
    expect(sent).toHaveLength(1);
  });
});
