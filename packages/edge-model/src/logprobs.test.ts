import { describe, expect, it } from 'vitest';
import { confidence, logSoftmax, tokenLogprob, topIds } from './logprobs.ts';

const display = {
  tokenString: (id: number) => `t${id}`,
  tokenBytes: (id: number) => new TextEncoder().encode(`t${id}`),
};

describe('logprobs', () => {
  it('log-softmax sums to 1 in probability and is shift-invariant, even for huge logits', () => {
    const lp = logSoftmax(Float32Array.from([1000, 999, 990]));
    expect(lp.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 12);
    expect(lp[0]! - lp[1]!).toBeCloseTo(1, 6);
    const shifted = logSoftmax(Float32Array.from([0, -1, -10]));
    for (let i = 0; i < 3; i++) expect(shifted[i]).toBeCloseTo(lp[i]!, 6);
  });

  it('top ids are ordered, ties by lower id', () => {
    expect(topIds(Float64Array.from([-1, -0.5, -0.5, -3, 0]), 3)).toEqual([4, 1, 2]);
    expect(topIds(Float64Array.from([-1, -2]), 5)).toEqual([0, 1]);
  });

  it('confidence: max prob, entropy in nats, top-1/top-2 margin', () => {
    const uniform = confidence(logSoftmax(new Float32Array(4)));
    expect(uniform.maxProb).toBeCloseTo(0.25, 12);
    expect(uniform.entropyNats).toBeCloseTo(Math.log(4), 12);
    expect(uniform.top1Top2Margin).toBeCloseTo(0, 12);
    const peaked = confidence(logSoftmax(Float32Array.from([50, 0, 0])));
    expect(peaked.maxProb).toBeCloseTo(1, 12);
    expect(peaked.entropyNats).toBeLessThan(1e-15 + 1e-18);
    expect(peaked.top1Top2Margin).toBeCloseTo(1, 12);
  });

  it('builds the OpenAI shape with up to 20 alternatives', () => {
    const lp = logSoftmax(Float32Array.from([2, 1, 0]));
    const entry = tokenLogprob(lp, 1, 2, display);
    expect(entry).toEqual({
      token: 't1',
      logprob: lp[1],
      bytes: [116, 49],
      top_logprobs: [
        { token: 't0', logprob: lp[0], bytes: [116, 48] },
        { token: 't1', logprob: lp[1], bytes: [116, 49] },
      ],
    });
    expect(() => tokenLogprob(lp, 0, 21, display)).toThrow(RangeError);
  });
});
