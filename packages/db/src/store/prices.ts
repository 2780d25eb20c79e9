/**
 * Editable model prices (DESIGN.md §5 "Admin API": `GET/PUT /prices/{model}`), seeded from config
 * `metering.prices`. Stored as integer micro-USD per 1M tokens: USD per 1M × 10⁶, so
 * $0.15 / 1M tokens is 150000, and cost in micro-USD = tokens × price / 10⁶. Config's
 * `{inputUsdPerMTok, outputUsdPerMTok}` is this divided by 10⁶ (`toUsdPerMTok`).
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { modelPrices } from '../schema.ts';
import { chunkRows } from './chunks.ts';

export interface ModelPrice {
  model: string;
  /** Micro-USD per 1M prompt tokens. */
  inputMicroUsdPerMTok: number;
  /** Micro-USD per 1M completion tokens. */
  outputMicroUsdPerMTok: number;
  updatedAtMs: number;
}

export type ModelPriceInput = Omit<ModelPrice, 'updatedAtMs'>;

function assertPrice(price: ModelPriceInput): void {
  if (typeof price.model !== 'string' || price.model === '') throw new TypeError('model must be a non-empty string');
  for (const field of ['inputMicroUsdPerMTok', 'outputMicroUsdPerMTok'] as const) {
    const value = price[field];
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${field} must be an integer ≥ 0 (micro-USD per 1M tokens), got ${value}`);
  }
}

/** USD per 1M tokens (config's unit) → integer micro-USD per 1M tokens, rounded. */
export function microUsdPerMTok(usdPerMTok: number): number {
  return Math.round(usdPerMTok * 1_000_000);
}

/** A stored price in config's shape, `{inputUsdPerMTok, outputUsdPerMTok}` (packages/metering's `Price`). */
export function toUsdPerMTok(price: ModelPriceInput): { inputUsdPerMTok: number; outputUsdPerMTok: number } {
  return { inputUsdPerMTok: price.inputMicroUsdPerMTok / 1_000_000, outputUsdPerMTok: price.outputMicroUsdPerMTok / 1_000_000 };
}

/** The price of `model`, or undefined (a model without a price costs 0). */
export async function getPrice(db: Database, model: string): Promise<ModelPrice | undefined> {
  const [price] = await db.select().from(modelPrices).where(eq(modelPrices.model, model));
  return price;
}

/** All prices, by model id. */
export async function listPrices(db: Database): Promise<ModelPrice[]> {
  return db.select().from(modelPrices).orderBy(modelPrices.model);
}

/**
 * Sets a model's price (insert or replace): `PUT /prices/{model}`.
 * @throws TypeError / RangeError on an empty model or a negative / fractional price
 */
export async function putPrice(db: Database, price: ModelPriceInput, nowMs: number = Date.now()): Promise<ModelPrice> {
  assertPrice(price);
  const values = { ...price, updatedAtMs: nowMs };
  const [row] = await db
    .insert(modelPrices)
    .values(values)
    .onConflictDoUpdate({
      target: modelPrices.model,
      set: {
        inputMicroUsdPerMTok: sql`excluded.input_micro_usd_per_mtok`,
        outputMicroUsdPerMTok: sql`excluded.output_micro_usd_per_mtok`,
        updatedAtMs: sql`excluded.updated_at_ms`,
      },
    })
    .returning();
  return row!;
}

/**
 * Adds config's default prices for models that have none; a price already stored (an admin's
 * edit) is kept. Call at start.
 * @returns how many prices were added
 */
export async function seedPrices(db: Database, prices: readonly ModelPriceInput[], nowMs: number = Date.now()): Promise<number> {
  if (prices.length === 0) return 0;
  for (const price of prices) assertPrice(price);
  let added = 0;
  for (const chunk of chunkRows(prices, 4)) {
    const rows = await db
      .insert(modelPrices)
      .values(chunk.map((p) => ({ ...p, updatedAtMs: nowMs })))
      .onConflictDoNothing({ target: modelPrices.model })
      .returning({ model: modelPrices.model });
    added += rows.length;
  }
  return added;
}
