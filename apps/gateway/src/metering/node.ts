/**
 * The embedded metering backend on Node: the SQLite file of `metering.database` (created and
 * migrated on open), config prices seeded into the editable price table, reservations left by a
 * previous process cleared — reservations and in-flight idempotency claims (this process is the
 * file's one writer) —, expired idempotency records
 * swept hourly, and background writes tracked so `flush()` can wait for them at shutdown.
 */
import type { Config } from '@distillgate/config';
import {
  clearInFlightIdempotency,
  clearReservations,
  createDbUsageSink,
  microUsdPerMTok,
  purgeExpiredIdempotency,
  reservedTotal,
  seedPrices,
} from '@distillgate/db';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import type { MeteringBackend } from './backend.ts';
import { SqlKeyLimits } from './limits.ts';
import { WriteGate } from './write-gate.ts';

/** How often expired idempotency records are deleted. @unit ms */
const IDEMPOTENCY_SWEEP_MS = 60 * 60 * 1000;

export interface NodeMetering extends MeteringBackend {
  readonly database: NodeDatabase;
  /** Resolves when every background write started so far has settled. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * @throws better-sqlite3's SqliteError when the file cannot be opened or migrated
 */
/**
 * SQLite's busy timeout in the gateway: better-sqlite3 waits synchronously, blocking every request
 * on this event loop, so a locked database costs at most this per statement; usage writes and
 * settlements then retry on timers (metering/meter.ts), admission defers or refuses (limits.ts).
 * @unit ms
 */
export const GATEWAY_BUSY_TIMEOUT_MS = 200;

export async function openNodeMetering(config: Config): Promise<NodeMetering> {
  const database = openNodeDatabase({ file: config.metering.database, busyTimeoutMs: GATEWAY_BUSY_TIMEOUT_MS });
  const prices = Object.entries(config.metering.prices).map(([model, p]) => ({
    model,
    inputMicroUsdPerMTok: microUsdPerMTok(p.inputUsdPerMTok),
    outputMicroUsdPerMTok: microUsdPerMTok(p.outputUsdPerMTok),
  }));
  await seedPrices(database.db, prices);
  await clearReservations(database.db);
  await clearInFlightIdempotency(database.db);
  const pending = new Set<Promise<unknown>>();
  // idempotency records live 24 h; sweep the expired ones hourly (and once now)
  const sweep = () => void purgeExpiredIdempotency(database.db).catch(() => {});
  sweep();
  const sweeper = setInterval(sweep, IDEMPOTENCY_SWEEP_MS);
  sweeper.unref();
  const flush = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  const writes = new WriteGate();
  return {
    database,
    db: database.db,
    sink: createDbUsageSink(database.db),
    limits: new SqlKeyLimits(database.db, writes),
    writes,
    background(task) {
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    reservedMicroUsd: () => reservedTotal(database.db),
    flush,
    async close() {
      clearInterval(sweeper);
      await flush();
      database.close();
    },
  };
}
