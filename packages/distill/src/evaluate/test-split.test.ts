import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyMetrics, promptIds } from './generation.ts';
import { readTestTokens, windows } from './test-split.ts';

const dir = mkdtempSync(join(tmpdir(), 'distill-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('test split', () => {
  it('reads uint16 little-endian ids, the first maxTokens, hashing the slice used', async () => {
    const path = join(dir, 'test.bin');
    writeFileSync(path, Buffer.from([1, 0, 0x02, 0x01, 0xff, 0x0f, 7, 0])); // 1, 258, 4095, 7
    const all = await readTestTokens(path, 100, 4096);
    expect([...all.ids]).toEqual([1, 258, 4095, 7]);
    const three = await readTestTokens(path, 3, 4096);
    expect([...three.ids]).toEqual([1, 258, 4095]);
    expect(three.fileTokens).toBe(4);
    expect(three.sha256).not.toBe(all.sha256);
    await expect(readTestTokens(path, 100, 4000)).rejects.toThrow(/outside the vocabulary/);
    writeFileSync(join(dir, 'odd.bin'), Buffer.from([1, 0, 2]));
    await expect(readTestTokens(join(dir, 'odd.bin'), 100, 4096)).rejects.toThrow(/not a uint16/);
  });

  it('cuts windows of T+1 overlapping by one: every token after the first predicted once', () => {
    const ws = windows(Uint16Array.from([10, 11, 12, 13, 14, 15, 16]), 3);
    expect(ws).toEqual([
      { start: 0, inputs: [10, 11, 12], targets: [11, 12, 13] },
      { start: 3, inputs: [13, 14, 15], targets: [14, 15, 16] },
    ]);
    expect(windows(Uint16Array.from([1, 2, 3, 4, 5]), 3).at(-1)).toEqual({ start: 3, inputs: [4], targets: [5] });
  });
});

describe('greedy comparison', () => {
  const decode = (ids: readonly number[]) => ids.map((i) => `w${i}`).join(' ');

  it('exact match needs equal ids and length; the matching prefix counts leading equal tokens', () => {
    const m = greedyMetrics(
      [
        [1, 2, 3, 4],
        [1, 2, 9, 9],
        [5, 6],
      ],
      [
        [1, 2, 3, 4],
        [1, 2, 3, 4],
        [5, 6, 7],
      ],
      decode,
      4,
    );
    expect(m.exactMatch).toBeCloseTo(1 / 3, 12);
    expect(m.meanMatchingPrefixTokens).toBeCloseTo((4 + 2 + 2) / 3, 12);
    expect(m.rougeLF1).toBeCloseTo((1 + 0.5 + 0.8) / 3, 12); // LCS 4/4; 2/4; 2 of (2, 3) → 2·1·⅔/(1+⅔)
  });

  it('prompt ids keep the last tokens that leave room for the continuation; empty → [eos]', () => {
    expect(promptIds([1, 2, 3, 4, 5], 6, 3, 99)).toEqual([3, 4, 5]);
    expect(promptIds([], 6, 3, 99)).toEqual([99]);
    expect(() => promptIds([1], 3, 3, 99)).toThrow(/no room/);
  });
});
