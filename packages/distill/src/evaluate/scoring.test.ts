/** Window scoring on tiny hand-made logits (V = 2), values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { addTeacherWindow, addWindow, bucketWidth, emptySums, teacherRows, tokenMetrics } from './scoring.ts';

const logits = (rows: number[][]) => ({ rows: rows.length, vocabSize: rows[0]!.length, data: Float32Array.from(rows.flat()) });

describe('scoring', () => {
  it('perplexity, accuracy, agreement, KL(teacher ‖ student) and agreement by position', () => {
    // row 0: teacher p = (1/2, 1/2), student q = (3/4, 1/4); target 1; both top-1 = 0 (tie → lower id)
    //   KL = ½ ln(½ / ¾) + ½ ln(½ / ¼) = ½ ln(4/3);  NLL = −ln ¼ = ln 4
    // row 1: teacher top-1 = 1, student q = (1/2, 1/2) → top-1 0 = target; KL = Σ p ln(p / ½) = ln 2 − H(p)
    const teacher = teacherRows(
      logits([
        [0, 0],
        [0, 5],
      ]),
    );
    const sums = emptySums(2);
    addWindow(
      sums,
      logits([
        [Math.log(3), 0],
        [0, 0],
      ]),
      teacher,
      [1, 0],
      bucketWidth(2, 2),
    );
    const p1 = 1 / (1 + Math.exp(5));
    const H = -(p1 * Math.log(p1) + (1 - p1) * Math.log(1 - p1));
    expect(sums.predicted).toBe(2);
    expect(sums.nllNats).toBeCloseTo(Math.log(4) + Math.log(2), 6);
    expect(sums.klNats).toBeCloseTo(0.5 * Math.log(4 / 3) + Math.log(2) - H, 6);
    const m = tokenMetrics(sums, 1, 2);
    expect(m.testPerplexity).toBeCloseTo(Math.sqrt(8), 5);
    expect(m.testTop1Accuracy).toBe(0.5);
    expect(m.teacherTop1Agreement).toBe(0.5);
    expect(m.agreementByPosition).toEqual([
      { fromPosition: 0, toPosition: 0, agreement: 1, tokens: 1 },
      { fromPosition: 1, toPosition: 1, agreement: 0, tokens: 1 },
    ]);
  });

  it('a model against itself: KL 0, agreement 1; the teacher keeps its own NLL and accuracy', () => {
    const rows = [
      [0.3, -1.2],
      [2, 1],
    ];
    const sums = emptySums(1);
    addWindow(sums, logits(rows), teacherRows(logits(rows)), [0, 1], 2);
    expect([sums.klNats, sums.agree]).toEqual([0, 2]);
    const t = emptySums(1);
    addTeacherWindow(t, teacherRows(logits(rows)), [0, 1]);
    expect(t.nllNats).toBeCloseTo(sums.nllNats, 12);
    expect(t.correct).toBe(1);
  });

  it('buckets of ⌈T / buckets⌉ positions; empty buckets have agreement null', () => {
    expect(bucketWidth(256, 8)).toBe(32);
    expect(bucketWidth(10, 4)).toBe(3);
    const m = tokenMetrics(emptySums(4), 3, 10);
    expect(m.agreementByPosition.map((b) => [b.fromPosition, b.toPosition, b.agreement])).toEqual([
      [0, 2, null],
      [3, 5, null],
      [6, 8, null],
      [9, 9, null],
    ]);
  });

  it('refuses a window whose rows do not match its targets', () => {
    const t = teacherRows(logits([[0, 0]]));
    expect(() => addWindow(emptySums(1), logits([[0, 0]]), t, [0, 1], 1)).toThrow(/window rows/);
  });
});
