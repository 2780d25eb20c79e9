/**
 * The Queue `UsageSink` (DESIGN.md §5: "direct DB now; a Queue sink later"). `record` validates the
 * row and sends it as one message; a consumer (the Worker's `queue()` handler, apps/gateway/src/worker.ts)
 * writes each batch with the same insert-or-ignore as the direct sink. Queues deliver at least once,
 * so a message may arrive twice (a consumer that wrote but died before acking, a retried batch):
 * `insertUsage` keeps one row per request id, and attempts are keyed (request_id, n), so a second
 * delivery writes nothing.
 *
 * Typed against the smallest structural slice of Cloudflare's `Queue` and `MessageBatch`, so this
 * file needs no Workers types and runs its tests anywhere.
 */
import type { Database } from '../database.ts';
import { assertUsageRecord, insertUsage, type UsageRecord, type UsageSink } from './usage-sink.ts';

/** The message body on the wire. `v` changes only with an incompatible `UsageRecord`. */
export interface UsageMessage {
  kind: 'usage';
  v: 1;
  row: UsageRecord;
}

/** A Queue producer binding (`env.USAGE_QUEUE`), as much of it as the sink uses. */
export interface UsageQueueProducer {
  send(body: UsageMessage): Promise<unknown>;
}

/** One delivered message (Cloudflare's `Message`), as much of it as the consumer uses. */
export interface UsageQueueMessage {
  readonly id: string;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(): void;
}

export interface UsageQueueBatch {
  readonly queue: string;
  readonly messages: readonly UsageQueueMessage[];
}

export interface UsageBatchResult {
  /** Rows this batch inserted (a redelivered row counts 0). */
  inserted: number;
  /** Messages acked whose row was already there: duplicates. */
  duplicates: number;
  /** Messages handed back to the queue for a later delivery (then its dead-letter queue). */
  retried: number;
}

/** A sink whose `record` resolves once the queue has accepted the message, not once the row is in D1. */
export function createQueueUsageSink(queue: UsageQueueProducer): UsageSink {
  return {
    async record(row) {
      assertUsageRecord(row); // a bad row fails here, at the producer, instead of cycling to the dead-letter queue
      await queue.send({ kind: 'usage', v: 1, row });
    },
  };
}

/** The row inside a message body. @throws TypeError for a body this consumer does not understand */
export function usageRowOf(body: unknown): UsageRecord {
  const message = body as Partial<UsageMessage> | null;
  if (message?.kind !== 'usage' || message.v !== 1 || typeof message.row !== 'object' || message.row === null) {
    throw new TypeError(`not a usage message (kind ${String(message?.kind)}, v ${String(message?.v)})`);
  }
  return message.row;
}

/**
 * Writes every message of a batch, one at a time (D1 runs one write at a time anyway): acks each
 * message once its row is stored — or was already — and retries it when the write throws. A
 * message that cannot be read is retried too: after `max_retries` it lands in the dead-letter queue,
 * where it can be inspected, instead of being dropped.
 */
export async function consumeUsageBatch(
  db: Database,
  batch: UsageQueueBatch,
  onError: (message: UsageQueueMessage, error: unknown) => void = () => {},
): Promise<UsageBatchResult> {
  const result: UsageBatchResult = { inserted: 0, duplicates: 0, retried: 0 };
  for (const message of batch.messages) {
    try {
      if (await insertUsage(db, usageRowOf(message.body))) result.inserted++;
      else result.duplicates++;
      message.ack();
    } catch (err) {
      onError(message, err);
      message.retry();
      result.retried++;
    }
  }
  return result;
}
