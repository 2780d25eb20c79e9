/**
 * The Durable Object's budget ledger over plain SQLite (better-sqlite3 standing in for the object's
 * storage; the object itself runs in tests/workerd). Time is passed in, so month rollover and hold
 * expiry are tested here.
 */
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BudgetLedger, EXPIRED_HOLD_KEEP_MS, HOLD_TTL_MS, type SqlQuery } from './budget-ledger.ts';

const JULY = Date.UTC(2026, 6, 31, 23, 59);
const AUGUST = Date.UTC(2026, 7, 1, 0, 1);
const WORST = 250_000;

let db: Sqlite.Database;
let ledger: BudgetLedger;
let n = 0;
const hold = () => `hold-${++n}`;

/** The object's `sql.exec(…).toArray()` over better-sqlite3. */
function sqlOf(database: Sqlite.Database): SqlQuery {
  return <T>(query: string, ...bindings: Array<string | number | null>) => {
    const statement = database.prepare(query);
    if (statement.reader) return statement.all(...bindings) as T[];
    statement.run(...bindings);
    return [];
  };
}

beforeEach(() => {
  db = new Sqlite(':memory:');
  ledger = new BudgetLedger(sqlOf(db));
});
afterEach(() => db.close());

describe('BudgetLedger', () => {
  it('holds worst cases up to the budget, refuses the next with the spend, and a refusal holds nothing', () => {
    const budget = 4 * WORST + WORST - 1;
    for (let i = 0; i < 4; i++) expect(ledger.reserve({ holdId: hold(), costMicroUsd: WORST, budgetMicroUsd: budget }, JULY).ok).toBe(true);
    const refused = ledger.reserve({ holdId: hold(), costMicroUsd: WORST, budgetMicroUsd: budget }, JULY);
    expect(refused).toEqual({
      ok: false,
      spend: { period: '2026-07', spentMicroUsd: 0, reservedMicroUsd: 4 * WORST, budgetMicroUsd: budget },
    });
    expect(ledger.state(JULY)).toEqual({ period: '2026-07', spentMicroUsd: 0, reservedMicroUsd: 4 * WORST, openHolds: 4 });
  });

  it('settles to the actual cost exactly once (zero releases), freeing the unused part', () => {
    const a = hold();
    const b = hold();
    ledger.reserve({ holdId: a, costMicroUsd: WORST, budgetMicroUsd: 2 * WORST }, JULY);
    ledger.reserve({ holdId: b, costMicroUsd: WORST, budgetMicroUsd: 2 * WORST }, JULY);
    expect(ledger.settle(a, 1_234)).toBe(true);
    expect(ledger.settle(a, 1_234)).toBe(false);
    expect(ledger.settle(b, 0)).toBe(true);
    expect(ledger.state(JULY)).toEqual({ period: '2026-07', spentMicroUsd: 1_234, reservedMicroUsd: 0, openHolds: 0 });
    expect(ledger.reserve({ holdId: hold(), costMicroUsd: 2 * WORST - 1_234, budgetMicroUsd: 2 * WORST }, JULY).ok).toBe(true);
  });

  it('charges an actual cost above the hold in full', () => {
    const a = hold();
    ledger.reserve({ holdId: a, costMicroUsd: 10, budgetMicroUsd: null }, JULY);
    ledger.settle(a, 25);
    expect(ledger.state(JULY)).toMatchObject({ spentMicroUsd: 25, reservedMicroUsd: 0 });
  });

  it('starts a new month from zero; a hold made in July settles into July after the month turned', () => {
    const july = hold();
    ledger.reserve({ holdId: july, costMicroUsd: WORST, budgetMicroUsd: WORST }, JULY);
    expect(ledger.reserve({ holdId: hold(), costMicroUsd: WORST, budgetMicroUsd: WORST }, JULY).ok).toBe(false);
    expect(ledger.reserve({ holdId: hold(), costMicroUsd: WORST, budgetMicroUsd: WORST }, AUGUST)).toMatchObject({
      ok: true,
      period: '2026-08',
    });
    ledger.settle(july, 100);
    expect(ledger.state(JULY)).toEqual({ period: '2026-07', spentMicroUsd: 100, reservedMicroUsd: 0, openHolds: 0 });
    expect(ledger.state(AUGUST)).toEqual({ period: '2026-08', spentMicroUsd: 0, reservedMicroUsd: WORST, openHolds: 1 });
  });

  it('never holds for a key without a budget being refused', () => {
    for (let i = 0; i < 50; i++) expect(ledger.reserve({ holdId: hold(), costMicroUsd: WORST, budgetMicroUsd: null }, JULY).ok).toBe(true);
    expect(ledger.state(JULY).reservedMicroUsd).toBe(50 * WORST);
  });

  it('stops counting a hold nobody settled after HOLD_TTL_MS; a late settlement still charges the cost once', () => {
    const lost = hold();
    const start = Date.UTC(2026, 6, 1);
    ledger.reserve({ holdId: lost, costMicroUsd: WORST, budgetMicroUsd: WORST }, start);
    expect(ledger.reserve({ holdId: hold(), costMicroUsd: 1, budgetMicroUsd: WORST }, start + HOLD_TTL_MS - 1).ok).toBe(false);
    const later = start + HOLD_TTL_MS;
    expect(ledger.expire(later)).toEqual([lost]);
    expect(ledger.state(later)).toMatchObject({ reservedMicroUsd: 0, openHolds: 0 });
    expect(ledger.settle(lost, 40)).toBe(true);
    expect(ledger.settle(lost, 40)).toBe(false);
    expect(ledger.state(later)).toMatchObject({ spentMicroUsd: 40, reservedMicroUsd: 0 });
  });

  it('forgets released holds after EXPIRED_HOLD_KEEP_MS', () => {
    const old = hold();
    const start = Date.UTC(2026, 0, 1);
    ledger.reserve({ holdId: old, costMicroUsd: 5, budgetMicroUsd: null }, start);
    ledger.expire(start + HOLD_TTL_MS);
    ledger.expire(start + EXPIRED_HOLD_KEEP_MS);
    expect(ledger.settle(old, 5)).toBe(false);
  });

  it('refuses fractional and negative amounts', () => {
    expect(() => ledger.reserve({ holdId: hold(), costMicroUsd: 1.5, budgetMicroUsd: null }, JULY)).toThrow(RangeError);
    expect(() => ledger.settle('x', -1)).toThrow(RangeError);
  });

  it('keeps its tables when opened again over the same storage', () => {
    const a = hold();
    ledger.reserve({ holdId: a, costMicroUsd: 7, budgetMicroUsd: null }, JULY);
    const again = new BudgetLedger(sqlOf(db));
    expect(again.settle(a, 7)).toBe(true);
    expect(again.state(JULY)).toMatchObject({ spentMicroUsd: 7, reservedMicroUsd: 0 });
  });
});
