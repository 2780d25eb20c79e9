/**
 * Spend budgets per key and calendar month (UTC), enforced atomically on Node (DESIGN.md §5
 * "Usage rows": the conditional UPDATE is the truth for reservations and current-period spend;
 * on Workers a Durable Object per key takes this role).
 *
 * Admission reserves the request's worst-case cost with ONE conditional statement
 *   UPDATE spend_counters SET reserved = reserved + :cost
 *   WHERE key_id = :key AND period = :period
 *     AND (budget IS NULL OR spent + reserved + :cost <= budget) RETURNING …
 * where `budget` is read from api_keys inside the same statement, so concurrent admissions (other
 * connections or processes included) can never together pass the budget. On completion the
 * reservation is settled to the actual cost; a failed, aborted or rejected request releases it.
 * A reservation belongs to the period it was made in, even if it settles after the month turns.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { apiKeys, spendCounters } from '../schema.ts';

/** The budget period containing `nowMs`: the calendar month UTC as `YYYY-MM`. */
export function budgetPeriodOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

/** A held reservation; pass it to `settleBudget` or `releaseBudget` exactly once. */
export interface BudgetReservation {
  readonly keyId: string;
  /** `YYYY-MM`, the period the reservation counts against. */
  readonly period: string;
  /** micro-USD held. */
  readonly reservedMicroUsd: number;
  /** Set by settle/release; a second settle or release is a no-op. */
  settled: boolean;
}

/** A key's spend in one period. All amounts micro-USD. */
export interface SpendSnapshot {
  period: string;
  spentMicroUsd: number;
  reservedMicroUsd: number;
  /** null = no budget. */
  budgetMicroUsd: number | null;
}

export type ReserveResult = { ok: true; reservation: BudgetReservation } | { ok: false; spend: SpendSnapshot };

function assertMicroUsd(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0 (micro-USD), got ${value}`);
}

/**
 * Reserves `worstCaseMicroUsd` against the key's budget for the current period. A key without a
 * budget always succeeds (the reservation still shows in `reserved`). Refused → the gateway
 * answers 429 `insufficient_quota` (DESIGN.md §5 "Errors").
 * @param input.worstCaseMicroUsd (prompt + effective max_tokens × n) priced, micro-USD
 * @throws RangeError on a negative or fractional amount; the driver's error when the key does not exist (foreign key)
 */
export async function reserveBudget(
  db: Database,
  input: { keyId: string; worstCaseMicroUsd: number },
  nowMs: number = Date.now(),
): Promise<ReserveResult> {
  const { keyId, worstCaseMicroUsd: cost } = input;
  assertMicroUsd('worstCaseMicroUsd', cost);
  const period = budgetPeriodOf(nowMs);
  await db.insert(spendCounters).values({ keyId, period, updatedAtMs: nowMs }).onConflictDoNothing();
  const budget = sql`(SELECT ${apiKeys.budgetMicroUsd} FROM ${apiKeys} WHERE ${apiKeys.id} = ${keyId})`;
  const held = await db
    .update(spendCounters)
    .set({ reservedMicroUsd: sql`${spendCounters.reservedMicroUsd} + ${cost}`, updatedAtMs: nowMs })
    .where(
      and(
        eq(spendCounters.keyId, keyId),
        eq(spendCounters.period, period),
        sql`(${budget} IS NULL OR ${spendCounters.spentMicroUsd} + ${spendCounters.reservedMicroUsd} + ${cost} <= ${budget})`,
      ),
    )
    .returning({ period: spendCounters.period });
  if (held.length === 1) return { ok: true, reservation: { keyId, period, reservedMicroUsd: cost, settled: false } };
  return { ok: false, spend: await getSpend(db, keyId, nowMs) };
}

async function applySettlement(db: Database, reservation: BudgetReservation, spentMicroUsd: number, nowMs: number): Promise<boolean> {
  if (reservation.settled) return false;
  // a reservation deferred at admission (no row written then) may be the period's first
  await db.insert(spendCounters).values({ keyId: reservation.keyId, period: reservation.period, updatedAtMs: nowMs }).onConflictDoNothing();
  await db
    .update(spendCounters)
    .set({
      spentMicroUsd: sql`${spendCounters.spentMicroUsd} + ${spentMicroUsd}`,
      reservedMicroUsd: sql`max(${spendCounters.reservedMicroUsd} - ${reservation.reservedMicroUsd}, 0)`,
      updatedAtMs: nowMs,
    })
    .where(and(eq(spendCounters.keyId, reservation.keyId), eq(spendCounters.period, reservation.period)));
  reservation.settled = true; // only once written: a failed write can be retried
  return true;
}

/**
 * A reservation that holds nothing, for a key without a budget when the database could not be
 * written at admission: settling it later adds the actual spend (and creates the period's row).
 */
export function deferredReservation(keyId: string, nowMs: number = Date.now()): BudgetReservation {
  return { keyId, period: budgetPeriodOf(nowMs), reservedMicroUsd: 0, settled: false };
}

/** Whether `err` is SQLite's "database is locked / busy" (better-sqlite3 code or D1 message). */
export function isDatabaseBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
  return err instanceof Error && /database is locked|database is busy|SQLITE_BUSY/i.test(err.message);
}

/**
 * Reconciles a reservation to the request's actual customer cost: spent += actual,
 * reserved −= the reservation. The actual cost is charged even when it exceeds the reservation.
 * @param actualCostMicroUsd the usage row's `costMicroUsd`
 * @returns false when the reservation was already settled or released (nothing changed)
 * @throws RangeError on a negative or fractional amount
 */
export async function settleBudget(
  db: Database,
  reservation: BudgetReservation,
  actualCostMicroUsd: number,
  nowMs: number = Date.now(),
): Promise<boolean> {
  assertMicroUsd('actualCostMicroUsd', actualCostMicroUsd);
  return applySettlement(db, reservation, actualCostMicroUsd, nowMs);
}

/**
 * Gives a reservation back without spending (failed, rejected or aborted before any billable
 * work; an abort after tokens were relayed settles their cost instead).
 * @returns false when the reservation was already settled or released
 */
export async function releaseBudget(db: Database, reservation: BudgetReservation, nowMs: number = Date.now()): Promise<boolean> {
  return applySettlement(db, reservation, 0, nowMs);
}

/** Every key's reservations held now (the period containing `nowMs`), micro-USD. */
export async function reservedTotal(db: Database, nowMs: number = Date.now()): Promise<number> {
  const [row] = await db
    .select({ reserved: sql<number>`coalesce(sum(${spendCounters.reservedMicroUsd}), 0)` })
    .from(spendCounters)
    .where(eq(spendCounters.period, budgetPeriodOf(nowMs)));
  return Number(row?.reserved ?? 0);
}

/** The key's spend in the period containing `nowMs` (zeros when nothing was reserved yet). */
export async function getSpend(db: Database, keyId: string, nowMs: number = Date.now()): Promise<SpendSnapshot> {
  const period = budgetPeriodOf(nowMs);
  const [row] = await db
    .select({
      spentMicroUsd: sql<number>`coalesce(${spendCounters.spentMicroUsd}, 0)`,
      reservedMicroUsd: sql<number>`coalesce(${spendCounters.reservedMicroUsd}, 0)`,
      budgetMicroUsd: apiKeys.budgetMicroUsd,
    })
    .from(apiKeys)
    .leftJoin(spendCounters, and(eq(spendCounters.keyId, apiKeys.id), eq(spendCounters.period, period)))
    .where(eq(apiKeys.id, keyId));
  return {
    period,
    spentMicroUsd: row?.spentMicroUsd ?? 0,
    reservedMicroUsd: row?.reservedMicroUsd ?? 0,
    budgetMicroUsd: row?.budgetMicroUsd ?? null,
  };
}

/**
 * Sets every reservation to 0: reservations held by a process that died would otherwise block
 * budget for the rest of the month. Call at start, and only when this process is the database's
 * one writer (the embedded Node default).
 * @returns rows changed
 */
export async function clearReservations(db: Database, nowMs: number = Date.now()): Promise<number> {
  const rows = await db
    .update(spendCounters)
    .set({ reservedMicroUsd: 0, updatedAtMs: nowMs })
    .where(sql`${spendCounters.reservedMicroUsd} <> 0`)
    .returning({ keyId: spendCounters.keyId });
  return rows.length;
}
