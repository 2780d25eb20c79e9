import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CalibrationRecord, calibrateThreshold } from './calibration.ts';

/** The definition, evaluated at every candidate threshold: the reference calibration must equal. */
function bruteForce(records: readonly CalibrationRecord[], target: number) {
  const total = records.reduce((s, r) => s + r.weight, 0);
  const candidates = [Number.POSITIVE_INFINITY, ...new Set(records.flatMap((r) => (r.score === null ? [] : [r.score])))];
  let best = { threshold: Number.POSITIVE_INFINITY, edgeShare: 0, quality: 1 };
  for (const t of candidates) {
    let edge = 0;
    let quality = 0;
    for (const r of records) {
      const onEdge = r.score !== null && r.score >= t;
      if (onEdge) edge += r.weight;
      quality += r.weight * (onEdge ? r.quality : 1);
    }
    const share = edge / total;
    if (quality / total >= target - 1e-12 && share > best.edgeShare) best = { threshold: t, edgeShare: share, quality: quality / total };
  }
  return best;
}

describe('calibrateThreshold', () => {
  it('picks the lowest threshold whose routed quality meets the target', () => {
    const records: CalibrationRecord[] = [
      { score: -0.1, quality: 1, weight: 1 },
      { score: -0.5, quality: 0.9, weight: 1 },
      { score: -1, quality: 0.2, weight: 1 },
      { score: -2, quality: 1, weight: 1 },
    ];
    // t = −0.5: (1 + 0.9 + 1 + 1) / 4 = 0.975; t = −1: (1 + 0.9 + 0.2 + 1) / 4 = 0.775; t = −2: 0.775
    const c = calibrateThreshold(records, 0.95);
    expect(c).toEqual({ threshold: -0.5, edgeShare: 0.5, quality: 0.975, records: 4 });
    // a lower target reaches the bottom: quality is not monotone, so the last passing one wins
    expect(calibrateThreshold(records, 0.7).threshold).toBe(-2);
  });

  it('weights records by 1 / sampling rate', () => {
    const records: CalibrationRecord[] = [
      { score: 0, quality: 1, weight: 1 },
      { score: -1, quality: 0, weight: 10 }, // sampled at 10 %: stands for ten requests
    ];
    const c = calibrateThreshold(records, 0.5);
    expect(c.threshold).toBe(0);
    expect(c.edgeShare).toBeCloseTo(1 / 11, 12);
  });

  it('sends everything to the teacher when no threshold meets the target; unscored records always escalate', () => {
    const c = calibrateThreshold([{ score: 1, quality: 0, weight: 1 }], 0.95);
    expect(c.threshold).toBe(Number.POSITIVE_INFINITY);
    expect(c.edgeShare).toBe(0);
    const unscored = calibrateThreshold(
      [
        { score: null, quality: 1, weight: 1 },
        { score: 0, quality: 1, weight: 1 },
      ],
      0.95,
    );
    expect(unscored).toMatchObject({ threshold: 0, edgeShare: 0.5 });
  });

  it('refuses no records, bad weights and qualities', () => {
    expect(() => calibrateThreshold([], 0.9)).toThrow(RangeError);
    expect(() => calibrateThreshold([{ score: 0, quality: 1, weight: 0 }], 0.9)).toThrow(/weight/);
    expect(() => calibrateThreshold([{ score: 0, quality: Number.NaN, weight: 1 }], 0.9)).toThrow(/quality/);
    expect(() => calibrateThreshold([{ score: 0, quality: 1.5, weight: 1 }], 0.9)).toThrow(/quality/);
  });

  it('equals a brute-force sweep over the same records (property, fixed seed)', () => {
    const record = fc.record({
      score: fc.option(
        fc.integer({ min: -20, max: 0 }).map((s) => s / 4),
        { nil: null, freq: 8 },
      ),
      quality: fc.integer({ min: 0, max: 20 }).map((q) => q / 20),
      weight: fc.constantFrom(1, 2, 4, 20),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 60 }), fc.integer({ min: 50, max: 100 }), (records, pct) => {
        const c = calibrateThreshold(records, pct / 100);
        const b = bruteForce(records, pct / 100);
        expect(c.threshold).toBe(b.threshold);
        expect(c.edgeShare).toBeCloseTo(b.edgeShare, 12);
        expect(c.quality).toBeCloseTo(b.quality, 12);
      }),
      { seed: 8, numRuns: 200 },
    );
  });
});
