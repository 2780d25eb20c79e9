/**
 * What the gateway meters with: the database (drizzle over better-sqlite3 on Node, D1 on Workers),
 * the usage sink, the per-key limits (RPM/TPM and budget) and a way to run work after the response. `server.ts`
 * builds the Node one (node.ts); without one (`deps.metering` absent) requests are neither
 * authenticated nor metered.
 */
import type { Database, UsageSink } from '@distillgate/db';
import type { KeyLimits } from './limits.ts';
import type { WriteGate } from './write-gate.ts';

export interface MeteringBackend {
  readonly db: Database;
  readonly sink: UsageSink;
  readonly limits: KeyLimits;
  /**
   * Keeps `task` alive after the response was sent (Workers: `ctx.waitUntil`; Node: tracked so a
   * shutdown can wait for it). The task handles its own errors.
   */
  background(task: Promise<unknown>): void;
  /** Budget reservations held now, micro-USD, where this backend's database holds them (Node). */
  reservedMicroUsd?(): Promise<number>;
  /**
   * Paces writes while the database is locked, where a write blocks the thread (Node's synchronous
   * SQLite, write-gate.ts); absent where writes are asynchronous (D1).
   */
  readonly writes?: WriteGate;
}
