import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempDatabase, type TempDatabase } from '../temp-database.ts';
import { getPrice, listPrices, microUsdPerMTok, putPrice, seedPrices, toUsdPerMTok } from './prices.ts';

let t: TempDatabase;
beforeEach(() => {
  t = openTempDatabase();
});
afterEach(() => t.close());

describe('model prices', () => {
  it('puts, replaces and gets a price', async () => {
    expect(await getPrice(t.db, 'm')).toBeUndefined();
    await putPrice(t.db, { model: 'm', inputMicroUsdPerMTok: 150_000, outputMicroUsdPerMTok: 600_000 }, 1);
    const replaced = await putPrice(t.db, { model: 'm', inputMicroUsdPerMTok: 100_000, outputMicroUsdPerMTok: 0 }, 2);
    expect(replaced).toEqual({ model: 'm', inputMicroUsdPerMTok: 100_000, outputMicroUsdPerMTok: 0, updatedAtMs: 2 });
    expect(await getPrice(t.db, 'm')).toEqual(replaced);
  });

  it('seeds config defaults without overwriting edits, in chunks D1 accepts', async () => {
    await putPrice(t.db, { model: 'edited', inputMicroUsdPerMTok: 1, outputMicroUsdPerMTok: 2 });
    const seeds = Array.from({ length: 60 }, (_, i) => ({
      model: `m${String(i).padStart(2, '0')}`,
      inputMicroUsdPerMTok: i,
      outputMicroUsdPerMTok: i,
    }));
    expect(await seedPrices(t.db, [...seeds, { model: 'edited', inputMicroUsdPerMTok: 9, outputMicroUsdPerMTok: 9 }])).toBe(60);
    expect(await seedPrices(t.db, seeds)).toBe(0);
    expect((await getPrice(t.db, 'edited'))?.inputMicroUsdPerMTok).toBe(1);
    expect(await listPrices(t.db)).toHaveLength(61);
  });

  it('converts config USD per 1M tokens to integer micro-USD and back', () => {
    expect(microUsdPerMTok(0.15)).toBe(150_000);
    expect(microUsdPerMTok(2.5)).toBe(2_500_000);
    expect(toUsdPerMTok({ model: 'm', inputMicroUsdPerMTok: 150_000, outputMicroUsdPerMTok: 600_000 })).toEqual({
      inputUsdPerMTok: 0.15,
      outputUsdPerMTok: 0.6,
    });
  });

  it('rejects negative or fractional prices', async () => {
    await expect(putPrice(t.db, { model: 'm', inputMicroUsdPerMTok: -1, outputMicroUsdPerMTok: 0 })).rejects.toThrow(RangeError);
    await expect(putPrice(t.db, { model: 'm', inputMicroUsdPerMTok: 0.5, outputMicroUsdPerMTok: 0 })).rejects.toThrow(RangeError);
  });
});
