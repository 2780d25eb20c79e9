/**
 * One key's budget inside its Durable Object (DESIGN.md §5: "The Durable Object (Workers) … is the
 * truth for reservations and current-period spend"): the same arithmetic as packages/db budgets.ts
 * on Node, over the object's own SQLite storage instead of D1.
 *
 * Storage (two tables, one database per key):
 *
 *   spend(period PK 'YYYY-MM', spent_micro_usd, reserved_micro_usd)   one row per calendar month UTC
 *   holds(id PK, period, reserved_micro_usd, created_at_ms)            one row per admitted request
 *
 * `reserve` checks spent + reserved + worst ≤ budget on the current period's row and adds the worst
 * case to `reserved`; `settle` moves a hold to `spent` (its actual cost) on the period it was made in,
 * even after the month turned; a new month starts from a row of zeros, so rollover needs no job.
 * Holds whose settlement never came (an isolate died inside `waitUntil`) stop counting after
 * `HOLD_TTL_MS`; their row stays (reserved 0) so a late settlement still charges the actual cost.
 *
 * Every method is synchronous SQL: the object runs one call at a time and the caller wraps each in
 * `transactionSync`, so check-and-reserve is atomic.
 */
import { budgetPeriodOf, type SpendSnapshot } from '@distillgate/db';

/** After this long, an unsettled hold stops counting as reserved. @unit ms */
export const HOLD_TTL_MS = 60 * 60_000;
/** Released holds (reserved 0) are kept this long for a late settlement, then deleted. @unit ms */
export const EXPIRED_HOLD_KEEP_MS = 40 * 24 * 60 * 60_000;

export type SqlValue = string | number | null;

/** Runs one statement; returns its rows (none for writes). DO: `ctx.storage.sql.exec(…).toArray()`. */
export type SqlQuery = <T extends Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]) => T[];

export type ReserveOutcome = { ok: true; holdId: string; period: string } | { ok: false; spend: SpendSnapshot };

/** The key's current period as stored, for diagnostics and tests. All amounts micro-USD. */
export interface LedgerState {
  period: string;
  spentMicroUsd: number;
  reservedMicroUsd: number;
  /** Holds that still count as reserved. */
  openHolds: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS spend (
     period TEXT PRIMARY KEY,
     spent_micro_usd INTEGER NOT NULL DEFAULT 0,
     reserved_micro_usd INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micro_usd >= 0))`,
  `CREATE TABLE IF NOT EXISTS holds (
     id TEXT PRIMARY KEY,
     period TEXT NOT NULL,
     reserved_micro_usd INTEGER NOT NULL,
     created_at_ms INTEGER NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS holds_created ON holds (created_at_ms)',
];

function assertMicroUsd(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0 (micro-USD), got ${value}`);
}

type SpendRow = { spent: number; reserved: number };
type HoldRow = { id: string; period: string; reserved: number };

export class BudgetLedger {
  constructor(private readonly sql: SqlQuery) {
    for (const statement of SCHEMA) sql(statement);
  }

  /**
   * Reserves `costMicroUsd` against `budgetMicroUsd` (null = no budget: always held) for the
   * period containing `nowMs`.
   * @throws RangeError on a negative or fractional amount
   */
  reserve(input: { holdId: string; costMicroUsd: number; budgetMicroUsd: number | null }, nowMs: number): ReserveOutcome {
    const { holdId, costMicroUsd: cost, budgetMicroUsd: budget } = input;
    assertMicroUsd('costMicroUsd', cost);
    this.expire(nowMs);
    const period = budgetPeriodOf(nowMs);
    const { spent, reserved } = this.row(period);
    if (budget !== null && spent + reserved + cost > budget) {
      return { ok: false, spend: { period, spentMicroUsd: spent, reservedMicroUsd: reserved, budgetMicroUsd: budget } };
    }
    this.sql(
      `INSERT INTO spend (period, reserved_micro_usd) VALUES (?, ?)
       ON CONFLICT (period) DO UPDATE SET reserved_micro_usd = reserved_micro_usd + excluded.reserved_micro_usd`,
      period,
      cost,
    );
    this.sql('INSERT INTO holds (id, period, reserved_micro_usd, created_at_ms) VALUES (?, ?, ?, ?)', holdId, period, cost, nowMs);
    return { ok: true, holdId, period };
  }

  /**
   * Replaces a hold by the request's actual cost (0 releases it): spent += actual, reserved −= hold,
   * on the hold's own period. Charged even when it exceeds the hold.
   * @returns false when the hold is unknown (already settled): nothing changed
   * @throws RangeError on a negative or fractional amount
   */
  settle(holdId: string, actualCostMicroUsd: number): boolean {
    assertMicroUsd('actualCostMicroUsd', actualCostMicroUsd);
    const [hold] = this.sql<HoldRow>('SELECT id, period, reserved_micro_usd AS reserved FROM holds WHERE id = ?', holdId);
    if (!hold) return false;
    this.sql('DELETE FROM holds WHERE id = ?', holdId);
    this.sql(
      `INSERT INTO spend (period, spent_micro_usd) VALUES (?, ?)
       ON CONFLICT (period) DO UPDATE SET
         spent_micro_usd = spent_micro_usd + excluded.spent_micro_usd,
         reserved_micro_usd = max(reserved_micro_usd - ?, 0)`,
      hold.period,
      actualCostMicroUsd,
      hold.reserved,
    );
    return true;
  }

  /**
   * Stops counting holds older than HOLD_TTL_MS (their rows keep reserved 0 for a late settle) and
   * deletes released ones older than EXPIRED_HOLD_KEEP_MS.
   * @returns ids of the holds released now
   */
  expire(nowMs: number): string[] {
    const stale = this.sql<HoldRow>(
      'SELECT id, period, reserved_micro_usd AS reserved FROM holds WHERE created_at_ms <= ? AND reserved_micro_usd > 0',
      nowMs - HOLD_TTL_MS,
    );
    for (const hold of stale) {
      this.sql('UPDATE spend SET reserved_micro_usd = max(reserved_micro_usd - ?, 0) WHERE period = ?', hold.reserved, hold.period);
      this.sql('UPDATE holds SET reserved_micro_usd = 0 WHERE id = ?', hold.id);
    }
    this.sql('DELETE FROM holds WHERE created_at_ms <= ? AND reserved_micro_usd = 0', nowMs - EXPIRED_HOLD_KEEP_MS);
    return stale.map((h) => h.id);
  }

  /** The period containing `nowMs` as stored (zeros before its first reservation). */
  state(nowMs: number): LedgerState {
    const period = budgetPeriodOf(nowMs);
    const { spent, reserved } = this.row(period);
    const [open] = this.sql<{ n: number }>('SELECT count(*) AS n FROM holds WHERE period = ? AND reserved_micro_usd > 0', period);
    return { period, spentMicroUsd: spent, reservedMicroUsd: reserved, openHolds: open?.n ?? 0 };
  }

  private row(period: string): SpendRow {
    const [row] = this.sql<SpendRow>('SELECT spent_micro_usd AS spent, reserved_micro_usd AS reserved FROM spend WHERE period = ?', period);
    return row ?? { spent: 0, reserved: 0 };
  }
}
