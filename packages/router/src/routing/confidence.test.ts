import { describe, expect, it } from 'vitest';
import { CONFIDENCE_SIGNALS, confidenceScore } from './confidence.ts';

const step = (maxProb: number, entropyNats: number, top1Top2Margin: number) => ({ maxProb, entropyNats, top1Top2Margin });

describe('confidenceScore', () => {
  const steps = [step(0.5, 1, 0.2), step(0.25, 2, 0.1), step(1, 0, 1)];
  it('computes each signal from the steps', () => {
    expect(confidenceScore(steps, 'mean_logprob')).toBeCloseTo((Math.log(0.5) + Math.log(0.25) + 0) / 3, 12);
    expect(confidenceScore(steps, 'min_logprob')).toBeCloseTo(Math.log(0.25), 12);
    expect(confidenceScore(steps, 'neg_entropy')).toBeCloseTo(-1, 12);
    expect(confidenceScore(steps, 'mean_margin')).toBeCloseTo(1.3 / 3, 12);
  });
  it('is higher for a surer draft on every signal, finite for p = 0, and null with no step', () => {
    const sure = [step(0.9, 0.4, 0.85)];
    const unsure = [step(0.2, 3, 0.01)];
    for (const signal of CONFIDENCE_SIGNALS) {
      expect(confidenceScore(sure, signal)!).toBeGreaterThan(confidenceScore(unsure, signal)!);
      expect(confidenceScore([], signal)).toBeNull();
    }
    expect(Number.isFinite(confidenceScore([step(0, 0, 0)], 'mean_logprob'))).toBe(true);
  });
});
