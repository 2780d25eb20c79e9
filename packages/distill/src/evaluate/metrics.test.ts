/** BLEU and ROUGE-L against values worked out by hand from the papers' formulas (metrics.ts). */
import { describe, expect, it } from 'vitest';
import { corpusBleu, lcsLength, rougeL, wordTokens } from './metrics.ts';

const w = (s: string) => s.split(' ').filter((t) => t !== '');

describe('wordTokens', () => {
  it('splits words and single punctuation marks, keeps case and digits', () => {
    expect(wordTokens("Hello, world! It's 2026.")).toEqual(['Hello', ',', 'world', '!', 'It', "'", 's', '2026', '.']);
    expect(wordTokens('  \n ')).toEqual([]);
    expect(wordTokens('naïve café')).toEqual(['naïve', 'café']);
  });
});

describe('corpusBleu (Papineni et al. 2002)', () => {
  it("clips counts: the paper's 'the the the …' example has unigram precision 2/7 (§2.1)", () => {
    const r = corpusBleu([{ candidate: w('the the the the the the the'), reference: w('the cat is on the mat') }]);
    expect(r.precisions[0]).toBeCloseTo(2 / 7, 12);
    expect(r.bleu).toBe(0); // no matching bigram: p_2 = 0
  });

  it('a longer candidate: p = 6/7, 4/6, 3/5, 2/4, BP = 1', () => {
    // the cat is on the red mat  vs  the cat is on the mat
    // 1-grams: the×2 cat is on mat match (6 of 7); 2-grams: the·cat cat·is is·on on·the (4 of 6);
    // 3-grams: the·cat·is cat·is·on is·on·the (3 of 5); 4-grams: the·cat·is·on cat·is·on·the (2 of 4)
    const r = corpusBleu([{ candidate: w('the cat is on the red mat'), reference: w('the cat is on the mat') }]);
    expect(r.precisions).toEqual([6 / 7, 4 / 6, 3 / 5, 2 / 4]);
    expect(r.brevityPenalty).toBe(1);
    expect(r.bleu).toBeCloseTo(((6 / 7) * (4 / 6) * (3 / 5) * (2 / 4)) ** 0.25, 12);
    expect(r.bleu).toBeCloseTo(0.643459, 5); // (144/840)^(1/4)
  });

  it('a shorter candidate pays the brevity penalty exp(1 − r/c) (§2.2.2)', () => {
    const r = corpusBleu([{ candidate: w('the cat is on'), reference: w('the cat is on the mat') }]);
    expect(r.precisions).toEqual([1, 1, 1, 1]);
    expect(r.brevityPenalty).toBeCloseTo(Math.exp(1 - 6 / 4), 12);
    expect(r.bleu).toBeCloseTo(0.606531, 6);
  });

  it('sums counts over the corpus before dividing (not a mean of sentence scores)', () => {
    const r = corpusBleu([
      { candidate: w('the cat is on'), reference: w('the cat is on') },
      { candidate: w('x y z w'), reference: w('a b c d') },
    ]);
    expect(r.precisions).toEqual([4 / 8, 3 / 6, 2 / 4, 1 / 2]);
    expect(r.bleu).toBeCloseTo(0.5, 12);
    expect([r.candidateLength, r.referenceLength]).toEqual([8, 8]);
  });

  it('identical → 1; no overlap → 0; empty candidates → 0; works on token ids', () => {
    expect(corpusBleu([{ candidate: w('a b c d e'), reference: w('a b c d e') }]).bleu).toBe(1);
    expect(corpusBleu([{ candidate: [1, 2, 3, 4, 5], reference: [1, 2, 3, 4, 5] }]).bleu).toBe(1);
    expect(corpusBleu([{ candidate: w('a b c d'), reference: w('e f g h') }]).bleu).toBe(0);
    const empty = corpusBleu([{ candidate: [], reference: w('a b') }]);
    expect([empty.bleu, empty.brevityPenalty]).toEqual([0, 0]);
    expect(corpusBleu([{ candidate: [], reference: [] }]).bleu).toBe(0);
    expect(corpusBleu([]).bleu).toBe(0);
  });

  it('a candidate shorter than 4 tokens has no 4-gram: BLEU-4 is 0, BLEU-2 is not', () => {
    const pair = { candidate: w('a b c'), reference: w('a b c') };
    expect(corpusBleu([pair]).bleu).toBe(0);
    expect(corpusBleu([pair], 2).bleu).toBe(1);
  });
});

describe('rougeL (Lin 2004 §3.1)', () => {
  it('LCS of the example sentences', () => {
    expect(lcsLength(w('police killed the gunman'), w('police kill the gunman'))).toBe(3);
    expect(lcsLength(w('police killed the gunman'), w('the gunman kill police'))).toBe(2);
    expect(lcsLength([], w('a'))).toBe(0);
  });

  it('P = LCS/n, R = LCS/m, F1', () => {
    const same = rougeL(w('the cat sat on the mat'), w('the cat is on the mat'));
    expect(same).toEqual({ precision: 5 / 6, recall: 5 / 6, f1: expect.closeTo(5 / 6, 12) });
    // reference a b c d e (m = 5), candidate a c e x (n = 4): LCS a c e = 3 → P 3/4, R 3/5, F1 2/3
    const r = rougeL(w('a c e x'), w('a b c d e'));
    expect(r.precision).toBe(3 / 4);
    expect(r.recall).toBe(3 / 5);
    expect(r.f1).toBeCloseTo(2 / 3, 12);
  });

  it('identical → 1; no overlap → 0; empty → 0', () => {
    expect(rougeL(w('a b c'), w('a b c')).f1).toBe(1);
    expect(rougeL(w('a b c'), w('d e f')).f1).toBe(0);
    expect(rougeL([], w('a b')).f1).toBe(0);
    expect(rougeL(w('a b'), []).f1).toBe(0);
    expect(rougeL([], []).f1).toBe(0);
  });
});
