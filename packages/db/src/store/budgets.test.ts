import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempDatabase, type TempDatabase } from '../temp-database.ts';
import {
  type BudgetReservation,
  budgetPeriodOf,
  clearReservations,
  getSpend,
  releaseBudget,
  reserveBudget,
  settleBudget,
} from './budgets.ts';
import { createKey, updateKey } from './keys.ts';

const JULY = Date.UTC(2026, 6, 15);
const AUGUST = Date.UTC(2026, 7, 1);
/** Worst case of one request; the budget admits exactly 4 of them. */
const WORST = 250_000;
const BUDGET = 4 * WORST + WORST - 1;

let t: TempDatabase;
beforeEach(() => {
  t = openTempDatabase();
});
afterEach(() => t.close());

/** Starts `threads` workers that each reserve `perThread` times at once, all released together. */
async function raceInThreads(file: string, keyId: string, threads: number, perThread: number): Promise<boolean[]> {
  const barrier = new SharedArrayBuffer(4);
  const url = new URL('./budgets.race-worker.ts', import.meta.url);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  const workers = Array.from(
    { length: threads },
    () => new Worker(boot, { eval: true, workerData: { file, keyId, count: perThread, costMicroUsd: WORST, nowMs: JULY, barrier } }),
  );
  const results = workers.map(
    (worker) =>
      new Promise<boolean[]>((resolve, reject) => {
        worker.on('message', (m) => m !== 'ready' && resolve(m as boolean[]));
        worker.on('error', reject);
        worker.on('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
      }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const start = new Int32Array(barrier);
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const all = (await Promise.all(results)).flat();
  await Promise.all(workers.map((w) => w.terminate()));
  return all;
}

describe('budget reservations', () => {
  it('admits exactly 4 of 20 concurrent worst-case reservations over 4 connections, then reconciles to actual costs', async () => {
    const { key } = await createKey(t.db, { name: 'k', budgetMicroUsd: BUDGET });
    const connections = [t.db, t.connect().db, t.connect().db, t.connect().db];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => reserveBudget(connections[i % 4]!, { keyId: key.id, worstCaseMicroUsd: WORST }, JULY)),
    );
    const held = results.flatMap((r) => (r.ok ? [r.reservation] : []));
    expect(held).toHaveLength(4);
    const refused = results.find((r) => !r.ok);
    expect(refused).toEqual({
      ok: false,
      spend: { period: '2026-07', spentMicroUsd: 0, reservedMicroUsd: 4 * WORST, budgetMicroUsd: BUDGET },
    });

    const actual = [120_000, 250_000, 0];
    await Promise.all(held.slice(0, 3).map((r, i) => settleBudget(connections[i]!, r, actual[i]!, JULY)));
    expect(await releaseBudget(t.db, held[3]!, JULY)).toBe(true); // the failed one
    expect(await getSpend(t.db, key.id, JULY)).toEqual({
      period: '2026-07',
      spentMicroUsd: 370_000,
      reservedMicroUsd: 0,
      budgetMicroUsd: BUDGET,
    });

    expect(await settleBudget(t.db, held[0]!, 999, JULY)).toBe(false); // settled once only
    expect(await releaseBudget(t.db, held[0]!, JULY)).toBe(false);
    expect((await getSpend(t.db, key.id, JULY)).spentMicroUsd).toBe(370_000);
  });

  it('admits exactly 4 of 20 reservations racing from 4 threads, each with its own connection', async () => {
    const { key } = await createKey(t.db, { name: 'k', budgetMicroUsd: BUDGET });
    const results = await raceInThreads(t.file, key.id, 4, 5);
    expect(results).toHaveLength(20);
    expect(results.filter(Boolean)).toHaveLength(4);
    expect(await getSpend(t.db, key.id, JULY)).toMatchObject({ spentMicroUsd: 0, reservedMicroUsd: 4 * WORST });
  });

  it('frees budget on settle: what was reserved but not spent can be reserved again', async () => {
    const { key } = await createKey(t.db, { name: 'k', budgetMicroUsd: 2 * WORST });
    const a = await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: WORST }, JULY);
    const b = await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: WORST }, JULY);
    expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 1 }, JULY)).ok).toBe(false);
    if (!a.ok || !b.ok) throw new Error('expected both reservations to hold');
    await settleBudget(t.db, a.reservation, 10, JULY);
    expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: WORST - 10 }, JULY)).ok).toBe(true);
    expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 1 }, JULY)).ok).toBe(false);
  });

  it('charges an actual cost above the reservation, and then refuses even a zero-cost request', async () => {
    const { key } = await createKey(t.db, { name: 'k', budgetMicroUsd: 100 });
    const r = await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 100 }, JULY);
    if (!r.ok) throw new Error('expected the reservation to hold');
    await settleBudget(t.db, r.reservation, 150, JULY);
    expect(await getSpend(t.db, key.id, JULY)).toMatchObject({ spentMicroUsd: 150, reservedMicroUsd: 0 });
    expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 0 }, JULY)).ok).toBe(false);
  });

  it('never refuses a key without a budget; a new budget applies to the next reservation', async () => {
    const { key } = await createKey(t.db, { name: 'k' });
    for (let i = 0; i < 3; i++) expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 10 ** 12 }, JULY)).ok).toBe(true);
    await updateKey(t.db, key.id, { budgetMicroUsd: 5 });
    expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 1 }, JULY)).ok).toBe(false);
  });

  it('counts per calendar month UTC; a reservation settles into the month it was made in', async () => {
    expect(budgetPeriodOf(Date.UTC(2026, 0, 31, 23, 59, 59, 999))).toBe('2026-01');
    expect(budgetPeriodOf(Date.UTC(2026, 1, 1))).toBe('2026-02');
    const { key } = await createKey(t.db, { name: 'k', budgetMicroUsd: 100 });
    const july = await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 100 }, JULY);
    expect((await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 100 }, AUGUST)).ok).toBe(true);
    await settleBudget(t.db, (july as { reservation: BudgetReservation }).reservation, 60, AUGUST);
    expect(await getSpend(t.db, key.id, JULY)).toMatchObject({ period: '2026-07', spentMicroUsd: 60, reservedMicroUsd: 0 });
    expect(await getSpend(t.db, key.id, AUGUST)).toMatchObject({ period: '2026-08', spentMicroUsd: 0, reservedMicroUsd: 100 });
  });

  it('clears reservations left by a dead process', async () => {
    const { key } = await createKey(t.db, { name: 'k', budgetMicroUsd: 100 });
    await reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 100 }, JULY);
    expect(await clearReservations(t.db)).toBe(1);
    expect((await getSpend(t.db, key.id, JULY)).reservedMicroUsd).toBe(0);
  });

  it('rejects negative or fractional amounts', async () => {
    const { key } = await createKey(t.db, { name: 'k' });
    await expect(reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: -1 })).rejects.toThrow(RangeError);
    await expect(reserveBudget(t.db, { keyId: key.id, worstCaseMicroUsd: 0.5 })).rejects.toThrow(RangeError);
  });
});
