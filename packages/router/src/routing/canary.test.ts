import { describe, expect, it } from 'vitest';
import { canaryVerdict } from './canary.ts';

const policy = { minRecords: 20, maxQualityDrop: 0.02 };
/** n values alternating around `mean` by ±spread. */
const around = (n: number, mean: number, spread = 0.05) => Array.from({ length: n }, (_, i) => mean + (i % 2 ? spread : -spread));

describe('canaryVerdict', () => {
  it('waits without enough records on either side', () => {
    expect(canaryVerdict([], around(50, 0.9), policy)).toMatchObject({ decision: 'wait', difference: null });
    expect(canaryVerdict(around(50, 0.9), around(10, 0.99), policy)).toMatchObject({ decision: 'wait', canaryRecords: 10 });
  });
  it('promotes a canary no worse than live (within the allowed drop, with confidence)', () => {
    const v = canaryVerdict(around(200, 0.9), around(200, 0.91), policy);
    expect(v.decision).toBe('promote');
    expect(v.difference).toBeCloseTo(0.01, 12);
    expect(v.interval![0]).toBeGreaterThan(-0.02);
  });
  it('rolls back a clearly worse canary, and waits when the interval straddles the allowed drop', () => {
    expect(canaryVerdict(around(200, 0.9), around(200, 0.8), policy).decision).toBe('rollback');
    expect(canaryVerdict(around(20, 0.9, 0.3), around(20, 0.88, 0.3), policy).decision).toBe('wait');
  });
  it('computes Welch’s interval: d ± 1.96·sqrt(var_c/n_c + var_l/n_l)', () => {
    const live = [0.8, 1, 0.9, 0.7];
    const canary = [0.6, 0.8];
    const v = canaryVerdict(live, canary, { minRecords: 1, maxQualityDrop: 0 });
    const se = Math.sqrt(0.02 / 2 + (0.05 / 3 + 0) / 4); // var(canary) = 0.02, var(live) = 0.05/3
    expect(v.difference).toBeCloseTo(0.7 - 0.85, 12);
    expect(v.interval![0]).toBeCloseTo(-0.15 - 1.959963984540054 * se, 12);
  });
});
