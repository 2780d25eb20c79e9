import { describe, expect, it } from 'vitest';
import { buildHeldOutPrompts, documentCandidates, promptId, promptSetSha256, promptsFromLines, splitOfDocument } from './prompts.ts';

const line = (n: number, tag = '') => `Line ${n}${tag} of the document says something long enough to keep. More text follows here.`;
const doc = (id: string, lines: number, tag = id) => ({ id, text: Array.from({ length: lines }, (_, i) => line(i, tag)).join('\n') });

describe('documentCandidates', () => {
  it('takes the opening of each line, drops short ones, cuts long ones at a word', () => {
    const text = ['Short.', 'A first sentence that is long enough to be kept as a prompt. Second.', `${'word '.repeat(100)}end.`].join(
      '\n',
    );
    const out = documentCandidates(text);
    expect(out[0]).toBe('A first sentence that is long enough to be kept as a prompt.');
    expect(out).toHaveLength(2);
    expect(out[1]!.length).toBeLessThanOrEqual(300);
  });
});

describe('buildHeldOutPrompts', () => {
  const docs = Array.from({ length: 40 }, (_, i) => doc(`d${i}`, 6));

  it('splits per document by hash and stops at the eval target', () => {
    const prompts = buildHeldOutPrompts(docs, { evalTarget: 50, trainShare: 0.4 });
    expect(prompts.filter((p) => p.split === 'eval')).toHaveLength(50);
    for (const p of prompts) expect(p.split).toBe(splitOfDocument(p.doc.replace('corpus:', ''), 0.4));
    const byDoc = new Map<string, Set<string>>();
    for (const p of prompts) byDoc.set(p.doc, (byDoc.get(p.doc) ?? new Set()).add(p.split));
    for (const splits of byDoc.values()) expect(splits.size).toBe(1);
  });

  it('takes documents round-robin and deduplicates across them', () => {
    const prompts = buildHeldOutPrompts([doc('a', 3, ''), doc('b', 3, '')], { evalTarget: 100, trainShare: 0 });
    // the same lines in both documents: only a's copies survive
    expect(prompts.map((p) => p.doc)).toEqual(['corpus:a', 'corpus:a', 'corpus:a']);
    expect(new Set(prompts.map((p) => p.id)).size).toBe(3);
  });

  it('is deterministic, and the set hash changes with the set', () => {
    const a = buildHeldOutPrompts(docs, { evalTarget: 30 });
    const b = buildHeldOutPrompts(docs, { evalTarget: 30 });
    expect(promptSetSha256(a)).toBe(promptSetSha256(b));
    expect(promptSetSha256(a.slice(1))).not.toBe(promptSetSha256(a));
  });

  it('rejects bad options', () => {
    expect(() => buildHeldOutPrompts(docs, { evalTarget: 0 })).toThrow(RangeError);
    expect(() => buildHeldOutPrompts(docs, { trainShare: 1 })).toThrow(RangeError);
  });
});

describe('promptsFromLines', () => {
  it('one prompt per non-empty line, duplicates dropped', () => {
    const out = promptsFromLines('Hello there\n\nhello   THERE\nSecond prompt\n', 'f.txt');
    expect(out.map((p) => p.text)).toEqual(['Hello there', 'Second prompt']);
    expect(out[0]!.id).toBe(promptId('hello there'));
  });
});
