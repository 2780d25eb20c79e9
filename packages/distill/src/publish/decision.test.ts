import { describe, expect, it } from 'vitest';
import { type ComparableScores, judge } from './decision.ts';

const scores = (over: Partial<ComparableScores> = {}): ComparableScores => ({
  model: 'distillgate-student@0.1.0',
  source: 'baseline',
  teacher: 'distillgate-teacher@0.1.0',
  runtime: 'onnxruntime-web',
  testTokensSha256: 'abc',
  teacherTop1Agreement: 0.6,
  testPerplexity: 120,
  ...over,
});

describe('judge (promotion rule)', () => {
  const live = scores();

  it('promotes on better or equal agreement with perplexity within +1 %', () => {
    expect(judge(scores({ teacherTop1Agreement: 0.61, testPerplexity: 110 }), live).verdict).toBe('promote');
    expect(judge(scores(), live).verdict).toBe('promote'); // a tie
    expect(judge(scores({ testPerplexity: 121.2 }), live).verdict).toBe('promote'); // exactly +1 %
  });

  it('rolls back on lower agreement, or perplexity worse by more than 1 %', () => {
    const lower = judge(scores({ teacherTop1Agreement: 0.5999 }), live);
    expect(lower).toMatchObject({ verdict: 'rollback', reason: expect.stringContaining('lower agreement') });
    const ppl = judge(scores({ teacherTop1Agreement: 0.7, testPerplexity: 121.21 }), live);
    expect(ppl).toMatchObject({ verdict: 'rollback', reason: expect.stringContaining('perplexity worse by more than 1 %') });
  });

  it('does not decide between scores measured differently, or without live scores', () => {
    expect(judge(scores({ testTokensSha256: 'other' }), live).verdict).toBe('undecided');
    expect(judge(scores({ teacher: 'distillgate-teacher@0.2.0' }), live).verdict).toBe('undecided');
    expect(judge(scores({ runtime: 'onnxruntime-node' }), live).verdict).toBe('undecided');
    expect(judge(scores(), null).verdict).toBe('undecided');
  });
});
