/**
 * The metering backend on Workers (metering/backend.ts): D1 through drizzle for keys, prices and
 * usage rows, a Durable Object per key for RPM/TPM and the budget (durable-key-limits.ts), and
 * background writes kept alive by the request's `waitUntil`. Usage rows go to the Queue
 * `USAGE_QUEUE` when it is bound (staging/production in wrangler.toml) and are written into D1 by
 * the Worker's `queue()` handler (`consumeUsageQueue`); without it, straight into D1.
 *
 * Built once per isolate by worker.ts, like the app it belongs to: bindings are usable from any
 * request, and `background` is handed the runtime's `waitUntil` from `cloudflare:workers`, which
 * always extends the request that is running when it is called (the same as that request's
 * `ctx.waitUntil`). Config prices are seeded into D1 once per isolate, by the first request's
 * `ready()`; a failed seed is logged and tried again by the next request.
 */
import type { Price } from '@distillgate/config';
import {
  consumeUsageBatch,
  createDbUsageSink,
  createQueueUsageSink,
  type Database,
  microUsdPerMTok,
  seedPrices,
  type UsageBatchResult,
  type UsageQueueBatch,
  type UsageQueueProducer,
} from '@distillgate/db';
import type { Logger } from '@distillgate/router';
import { drizzle } from 'drizzle-orm/d1';
import type { MeteringBackend } from '../backend.ts';
import { DurableObjectKeyLimits, type KeyLimitsNamespace } from './durable-key-limits.ts';

export type { KeyLimitsNamespace, KeyLimitsStub } from './durable-key-limits.ts';
export { DurableObjectKeyLimits } from './durable-key-limits.ts';

/** The D1 binding as drizzle takes it. */
export type D1Binding = Parameters<typeof drizzle>[0];

export interface WorkersMeteringOptions {
  /** The `DB` binding (D1, migrated with `wrangler d1 migrations apply DB`). */
  database: D1Binding;
  /** The `KEY_LIMITS` Durable Object namespace. */
  keyLimits: KeyLimitsNamespace;
  /** The `USAGE_QUEUE` producer binding: usage rows go through it instead of straight into D1. */
  usageQueue?: UsageQueueProducer;
  /** config `metering.prices`, seeded into the editable price table (an admin's edit is kept). */
  prices: Record<string, Price>;
  /** `waitUntil` from `cloudflare:workers` (tests may pass their own). */
  waitUntil: (task: Promise<unknown>) => void;
  logger: Logger;
}

export interface WorkersMetering extends MeteringBackend {
  readonly limits: DurableObjectKeyLimits;
  /** Resolves once config prices are in D1 (the first call seeds them; later calls are free). */
  ready(): Promise<void>;
}

export function createWorkersMetering(options: WorkersMeteringOptions): WorkersMetering {
  const db = drizzle(options.database) as unknown as Database;
  const prices = Object.entries(options.prices).map(([model, p]) => ({
    model,
    inputMicroUsdPerMTok: microUsdPerMTok(p.inputUsdPerMTok),
    outputMicroUsdPerMTok: microUsdPerMTok(p.outputUsdPerMTok),
  }));
  let seeded: Promise<void> | undefined;
  return {
    db,
    sink: options.usageQueue ? createQueueUsageSink(options.usageQueue) : createDbUsageSink(db),
    limits: new DurableObjectKeyLimits(options.keyLimits),
    background(task) {
      options.waitUntil(task);
    },
    ready() {
      seeded ??= seedPrices(db, prices).then(
        () => undefined,
        (err: unknown) => {
          seeded = undefined;
          options.logger.error('price seeding failed', { error: err instanceof Error ? err.message : String(err) });
        },
      );
      return seeded;
    },
  };
}

/**
 * The `queue()` side of the Queue sink: writes a batch of usage messages into D1 (insert-or-ignore
 * by request id), acking each message after its write and retrying it when the write fails.
 */
export async function consumeUsageQueue(database: D1Binding, batch: UsageQueueBatch, logger: Logger): Promise<UsageBatchResult> {
  const db = drizzle(database) as unknown as Database;
  const result = await consumeUsageBatch(db, batch, (message, err) => {
    logger.warn('usage message not written; retrying it', {
      queue: batch.queue,
      message_id: message.id,
      attempts: message.attempts,
      error: err instanceof Error ? err.message : String(err),
    });
  });
  logger.debug('usage batch', { queue: batch.queue, messages: batch.messages.length, ...result });
  return result;
}
