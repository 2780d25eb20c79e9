import { describe, expect, it } from 'vitest';
import { percentileInterval, quantileSorted, resampleCounts, resamples, seededUniform } from './bootstrap.ts';

describe('bootstrap', () => {
  it('seededUniform is deterministic and in [0, 1)', () => {
    const a = seededUniform(7);
    const b = seededUniform(7);
    for (let i = 0; i < 100; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('a resample has n draws', () => {
    const counts = resampleCounts(50, seededUniform(1));
    expect(counts.reduce((s, c) => s + c, 0)).toBe(50);
    expect(resamples(10, 3, 5)).toEqual(resamples(10, 3, 5));
  });

  it('quantiles interpolate between order statistics (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    const [lo, hi] = percentileInterval(Array.from({ length: 101 }, (_, i) => 100 - i));
    expect(lo).toBeCloseTo(2.5, 9);
    expect(hi).toBeCloseTo(97.5, 9);
  });

  it('the interval of a mean covers the truth for a fair sample', () => {
    const data = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const means = resamples(data.length, 1000, 3).map((w) => w.reduce((s, c, i) => s + c * data[i]!, 0) / data.length);
    const [lo, hi] = percentileInterval(means);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    expect(hi - lo).toBeLessThan(0.15);
  });
});
