import { describe, expect, it } from 'vitest';
import {
  computeCurves,
  gridIndex,
  type Metric,
  type Outcome,
  type PolicyInput,
  randomCurve,
  rankedCurve,
  rankOrder,
  shareGrid,
  trapezoidArea,
} from './curves.ts';

const ones = (n: number) => new Float64Array(n).fill(1);
const quality = (m: number[]): Outcome => ({ edge: m, escalated: m.map(() => 1) });

describe('rankOrder', () => {
  it('best first, ties in input order, nulls left out', () => {
    expect([...rankOrder([0.5, null, 0.9, 0.5])]).toEqual([2, 0, 3]);
  });
});

describe('rankedCurve', () => {
  const m = [1, 0, 0.5, 0];
  const scores = [4, 3, 2, 1];
  it('serves the top s·n on the edge, the rest at 1', () => {
    const { values, achieved } = rankedCurve(rankOrder(scores), quality(m), ones(4), [0, 0.25, 0.5, 1]);
    expect(values).toEqual([1, 1, 0.75, 0.375]);
    expect(achieved).toEqual([0, 0.25, 0.5, 1]);
  });
  it('splits the boundary record', () => {
    const { values } = rankedCurve(rankOrder(scores), quality(m), ones(4), [0.375]);
    // 1 record whole (m = 1), half of the second (m = 0): (1 + 0.5·0 + 0.5·1 + 1 + 1) / 4
    expect(values[0]).toBeCloseTo(0.875, 12);
  });
  it('null scores always escalate: the share stops at the scored ones', () => {
    const { values, achieved } = rankedCurve(rankOrder([1, null, null, null]), quality(m), ones(4), [0.5, 1]);
    expect(achieved).toEqual([0.25, 0.25]);
    expect(values).toEqual([1, 1]);
  });
  it('uses multiplicity weights', () => {
    const { values } = rankedCurve(rankOrder(scores), quality(m), [0, 2, 2, 0], [0.5]);
    expect(values[0]).toBe(0.5); // the two copies of record 1 (m = 0) on the edge
  });
});

describe('randomCurve and trapezoidArea', () => {
  it('random is linear between all-teacher and all-edge', () => {
    expect(randomCurve(quality([0, 1, 0.5, 0.5]), ones(4), [0, 0.5, 1])).toEqual([1, 0.75, 0.5]);
  });
  it('area of y = x on [0, 1] is 1/2', () => {
    const g = shareGrid(0.01);
    expect(trapezoidArea(g, g)).toBeCloseTo(0.5, 12);
    expect(g).toHaveLength(101);
    expect(gridIndex(g, 0.3)).toBe(30);
  });
});

describe('computeCurves', () => {
  const n = 200;
  const m = Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100);
  const outcomes: Record<Metric, Outcome> = {
    q: quality(m),
    rouge_l: quality(m),
    agreement: quality(m.map((x) => (x > 0.5 ? 1 : 0))),
    cost: { edge: m.map(() => 1), escalated: m.map(() => 10) },
  };
  const policies: PolicyInput[] = [
    { name: 'random', scores: null, outcomes },
    { name: 'oracle', scores: (metric) => (metric === 'agreement' ? outcomes.agreement.edge : m), outcomes },
  ];
  const [random, oracle] = computeCurves(policies, { resamples: 200, seed: 1 });

  it('the oracle dominates random and the interval holds the point', () => {
    for (const metric of ['q', 'rouge_l', 'agreement'] as const) {
      expect(oracle!.auc[metric].value).toBeGreaterThanOrEqual(random!.auc[metric].value);
      for (const e of oracle!.curve[metric]) {
        expect(e.lo).toBeLessThanOrEqual(e.value + 1e-12);
        expect(e.hi).toBeGreaterThanOrEqual(e.value - 1e-12);
      }
    }
    expect(random!.auc.q.value).toBeCloseTo((1 + m.reduce((a, b) => a + b, 0) / n) / 2, 12);
  });

  it('cost per request falls linearly with share (edge 1, teacher 10)', () => {
    expect(oracle!.curve.cost[gridIndex(oracle!.grid, 0.5)]!.value).toBeCloseTo(5.5, 12);
  });

  it('is deterministic for a seed', () => {
    expect(computeCurves(policies, { resamples: 50, seed: 9 })).toEqual(computeCurves(policies, { resamples: 50, seed: 9 }));
  });
});
