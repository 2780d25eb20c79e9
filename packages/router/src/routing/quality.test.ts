import { describe, expect, it } from 'vitest';
import { answerRougeL, strictAgreement, teacherJudgedQuality } from './quality.ts';

describe('quality measures', () => {
  it('strict agreement compares the first 16 tokens (shorter answers whole)', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    expect(strictAgreement(a, [...a.slice(0, 16), 99, 98])).toBe(1);
    expect(strictAgreement(a, [0, ...a.slice(0, 19)])).toBe(0);
    expect(strictAgreement([1, 2], [1, 2])).toBe(1);
    expect(strictAgreement([1, 2], [1, 2, 3])).toBe(0);
    expect(strictAgreement([], [])).toBe(1);
  });
  it('ROUGE-L on words: identical 1, disjoint 0, both empty 1, one empty 0', () => {
    expect(answerRougeL('the cat sat', 'the cat sat')).toBe(1);
    expect(answerRougeL('a b c', 'd e f')).toBe(0);
    expect(answerRougeL('', '')).toBe(1);
    expect(answerRougeL('', 'x')).toBe(0);
    expect(answerRougeL('the cat sat on the mat', 'the cat is on the mat')).toBeCloseTo(5 / 6, 12);
  });
  it('teacher-judged q is the ratio of geometric-mean probabilities, capped at 1', () => {
    expect(teacherJudgedQuality([-2, -2], [-1, -1])).toBeCloseTo(Math.exp(-1), 12);
    expect(teacherJudgedQuality([-0.5], [-1, -1])).toBe(1); // better than the teacher's own greedy answer: capped
    expect(teacherJudgedQuality([], [-1])).toBe(0);
    expect(teacherJudgedQuality([-0.1], [])).toBe(0); // the teacher stopped at once, the answer went on
    expect(teacherJudgedQuality([], [])).toBe(1);
    expect(teacherJudgedQuality([Number.NEGATIVE_INFINITY], [-1])).toBe(0);
  });
});
