/**
 * The router's records (schema `shadow_records`, `routing_calibrations`): shadow runs written by
 * the gateway after a sampled response, read back by threshold calibration; each calibration kept
 * so the newest survives a restart and the dashboard can plot them.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { routingCalibrations, type ShadowStatus, shadowRecords } from '../schema.ts';

export type ShadowRecord = typeof shadowRecords.$inferSelect;
export type NewShadowRecord = Omit<typeof shadowRecords.$inferInsert, 'id' | 'createdAtMs'> & { createdAtMs?: number };
export type RoutingCalibrationRow = typeof routingCalibrations.$inferSelect;

/** Stores one shadow run; a second write for the same request id is ignored. */
export async function recordShadow(db: Database, row: NewShadowRecord): Promise<void> {
  await db
    .insert(shadowRecords)
    .values({ ...row, createdAtMs: row.createdAtMs ?? Date.now() })
    .onConflictDoNothing({ target: shadowRecords.requestId });
}

/** The newest `limit` measured (`recorded`) shadow runs of `alias`, newest first. */
export async function listShadowRecords(db: Database, alias: string, limit: number): Promise<ShadowRecord[]> {
  return db
    .select()
    .from(shadowRecords)
    .where(and(eq(shadowRecords.alias, alias), eq(shadowRecords.status, 'recorded')))
    .orderBy(desc(shadowRecords.id))
    .limit(limit);
}

/** Shadow runs of `alias` by status (every status present, 0 when none). */
export async function shadowCounts(db: Database, alias: string): Promise<Record<ShadowStatus, number>> {
  const rows = await db
    .select({ status: shadowRecords.status, n: sql<number>`count(*)` })
    .from(shadowRecords)
    .where(eq(shadowRecords.alias, alias))
    .groupBy(shadowRecords.status);
  const counts: Record<ShadowStatus, number> = { recorded: 0, dropped: 0, failed: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

/** Stores a calibration (threshold `Infinity` is stored as null: every request to the teacher). */
export async function saveCalibration(
  db: Database,
  row: Omit<RoutingCalibrationRow, 'id' | 'threshold' | 'createdAtMs'> & { threshold: number; createdAtMs?: number },
): Promise<void> {
  await db.insert(routingCalibrations).values({
    ...row,
    threshold: Number.isFinite(row.threshold) ? row.threshold : null,
    createdAtMs: row.createdAtMs ?? Date.now(),
  });
}

/** The newest calibration of `alias`, or undefined. */
export async function latestCalibration(db: Database, alias: string): Promise<RoutingCalibrationRow | undefined> {
  const [row] = await db
    .select()
    .from(routingCalibrations)
    .where(eq(routingCalibrations.alias, alias))
    .orderBy(desc(routingCalibrations.id))
    .limit(1);
  return row;
}
