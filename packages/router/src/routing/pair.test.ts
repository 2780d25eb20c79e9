import { describe, expect, it } from 'vitest';
import { measurePair, type PairModels } from './pair.ts';

const step = { maxProb: Math.exp(-0.5), entropyNats: 1, top1Top2Margin: 0.3 };

/** Models with fixed answers: the student says 1 2 3, the teacher 1 2 4 (ids = words). */
function models(scored: number[]): PairModels & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async student() {
      calls.push('student');
      return { promptIds: [7, 8], ids: [1, 2, 3], text: 'one two three', steps: [step, step, { ...step, maxProb: Math.exp(-2) }] };
    },
    async teacherGreedy(promptIds) {
      calls.push(`greedy:${promptIds.join(',')}`);
      return { ids: [1, 2, 4], text: 'one two four', logprobs: [-1, -1, -1] };
    },
    async teacherScore(promptIds, answerIds) {
      calls.push(`score:${promptIds.join(',')}|${answerIds.join(',')}`);
      return scored;
    },
  };
}

describe('measurePair', () => {
  it('runs both models on the student’s prompt ids and judges the student’s answer', async () => {
    const m = models([-1, -1, -4]);
    const out = await measurePair(m, { maxTokens: 3, probeTokens: 2, signal: 'mean_logprob' });
    expect(m.calls).toEqual(['student', 'greedy:7,8', 'score:7,8|1,2,3']);
    expect(out.quality.agreement).toBe(0);
    expect(out.quality.rougeL).toBeCloseTo(2 / 3, 12);
    expect(out.quality.q).toBeCloseTo(Math.exp(-2 - -1), 12);
    expect(out.cascadeScore).toBeCloseTo(-0.5, 12); // the first K = 2 steps only
  });
  it('refuses a scoring of the wrong length', async () => {
    await expect(measurePair(models([-1]), { maxTokens: 3, probeTokens: 2, signal: 'mean_logprob' })).rejects.toThrow(/scored 1 tokens/);
  });
});
