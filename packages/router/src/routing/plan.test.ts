import { describe, expect, it } from 'vitest';
import { trainLearnedRouter } from './learned.ts';
import { type PlanInput, planRoute } from './plan.ts';

const base: PlanInput = {
  policy: 'cascade',
  rules: { keys: {}, headerOverride: true },
  facts: { promptTokens: 5, keyId: null, headerRoute: null, edgeRefusal: null },
  cascade: { probeTokens: 8, signal: 'mean_logprob' },
  threshold: -1.5,
};

describe('planRoute', () => {
  it('cascade: the edge with a gate at the active threshold; a rule wins over it', () => {
    expect(planRoute(base)).toEqual({
      policy: 'cascade',
      choice: 'cascade',
      reason: 'cascade',
      gate: { probeTokens: 8, signal: 'mean_logprob', threshold: -1.5 },
    });
    expect(planRoute({ ...base, facts: { ...base.facts, headerRoute: 'pool' } })).toEqual({
      policy: 'cascade',
      choice: 'pool',
      reason: 'header_override',
    });
  });
  it('rules: the edge unless a rule fires', () => {
    expect(planRoute({ ...base, policy: 'rules' })).toMatchObject({ choice: 'edge', reason: 'policy' });
  });
  it('learned: the prediction against the threshold, with its score', () => {
    const model = trainLearnedRouter(
      [
        { features: { text: 'the LORD said' }, quality: 0.9 },
        { features: { text: 'qq ## 77' }, quality: 0.1 },
      ],
      { hashBuckets: 8 },
    );
    const learned = (text: string, threshold: number) =>
      planRoute({ ...base, policy: 'learned', threshold, learned: { model, features: { text } } });
    const sure = learned('the LORD said', 0.5);
    expect(sure).toMatchObject({ choice: 'edge', reason: 'learned_above_threshold' });
    expect(learned('the LORD said', 0.999)).toMatchObject({ choice: 'pool', reason: 'learned_below_threshold', score: sure.score });
    expect(() => planRoute({ ...base, policy: 'learned' })).toThrow(RangeError);
  });
});
