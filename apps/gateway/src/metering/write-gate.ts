/**
 * Writes to the embedded SQLite file while it is locked by another connection (a backup, a
 * migration, a second process). better-sqlite3 waits for the lock synchronously, blocking the whole
 * event loop up to its busy timeout, so under a lock every write attempt stalls every request. The
 * gate keeps that to one attempt per back-off interval: after SQLITE_BUSY it lets nothing through
 * until the interval ends, then one write at a time until one succeeds (the interval doubles, 100 ms
 * → 5 s). Callers retry on their own timers (metering/meter.ts) or refuse (limits.ts).
 */
import { isDatabaseBusy } from '@distillgate/db';

/** First and longest back-off after SQLITE_BUSY. @unit ms */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

export class WriteGate {
  private busyUntilMs = 0;
  private backoffMs = 0;
  /** While degraded, writes run one after the other through this chain. */
  private chain: Promise<unknown> = Promise.resolve();

  /** Whether the database was found busy and no write has succeeded since. */
  get degraded(): boolean {
    return this.backoffMs > 0;
  }

  /** Whether a write now would wait out a back-off (a caller that must answer now refuses instead). */
  get backingOff(): boolean {
    return this.degraded && Date.now() < this.busyUntilMs;
  }

  /**
   * Runs `write` now when healthy; when degraded, after the back-off and the writes queued before it.
   * @throws what `write` throws (a busy error also extends the back-off)
   */
  run<T>(write: () => Promise<T>): Promise<T> {
    if (!this.degraded) return this.attempt(write);
    const next = this.chain.then(async () => {
      const waitMs = this.busyUntilMs - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      return this.attempt(write);
    });
    this.chain = next.catch(() => {});
    return next;
  }

  private async attempt<T>(write: () => Promise<T>): Promise<T> {
    try {
      const result = await write();
      this.backoffMs = 0;
      return result;
    } catch (err) {
      if (isDatabaseBusy(err)) {
        this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoffMs * 2));
        this.busyUntilMs = Date.now() + this.backoffMs;
      }
      throw err;
    }
  }
}

/**
 * Waits before each retry of a write the request no longer waits for (a usage row, a settlement, an
 * idempotency record): about a minute in all, so a database locked for that long — a backup, a
 * migration — still gets the write once. @unit ms
 */
export const WRITE_RETRY_DELAYS_MS = [50, 250, 500, 1000, 2000, 4000, 8000, 15_000, 30_000];

/**
 * Runs `write` through `gate` (when given), retrying on failure after WRITE_RETRY_DELAYS_MS; an error
 * `permanent` says will never succeed (an invalid row) is not retried.
 * @throws the last error once the retries are spent (or at once for a permanent one)
 */
export async function writeWithRetries<T>(
  write: () => Promise<T>,
  gate: WriteGate | undefined,
  permanent: (err: unknown) => boolean = () => false,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await (gate ? gate.run(write) : write());
    } catch (err) {
      const delay = permanent(err) ? undefined : WRITE_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
