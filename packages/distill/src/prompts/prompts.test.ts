import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStages } from '../runner/stage-runner.ts';
import { firstSentences, readPromptFile } from './sources.ts';
import { dedupeAndSplit, normalizePrompt, type PromptCandidate, promptId, splitOf } from './split.ts';
import { parsePromptsJsonl, promptsStage } from './stage.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'distill-prompts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const many = (n: number): PromptCandidate[] => Array.from({ length: n }, (_, i) => ({ text: `Prompt number ${i}.`, source: 'gen' }));

describe('dedupe and split', () => {
  it('treats case, Unicode form and whitespace runs as the same prompt', () => {
    expect(normalizePrompt('  Caf\u0065\u0301  au\tLAIT\n')).toBe('café au lait');
    expect(promptId('Café au lait')).toBe(promptId(' cafe\u0301   AU lait '));
    const { prompts, duplicates, empty } = dedupeAndSplit(
      [
        { text: 'Hello  world', source: 'a' },
        { text: 'hello world', source: 'b' },
        { text: '   ', source: 'c' },
        { text: 'Other', source: 'd' },
      ],
      0.1,
    );
    expect(prompts.map((p) => p.source).sort()).toEqual(['a', 'd']);
    expect({ duplicates, empty }).toEqual({ duplicates: 1, empty: 1 });
  });

  it('splits by hash: the same for any order, close to the asked share, pins honoured', () => {
    const candidates = many(2000);
    const a = dedupeAndSplit(candidates, 0.1).prompts;
    const b = dedupeAndSplit([...candidates].reverse(), 0.1).prompts;
    expect(b).toEqual(a); // sorted by id, split by id: input order does not matter
    const test = a.filter((p) => p.split === 'test').length;
    expect(test / a.length).toBeGreaterThan(0.08);
    expect(test / a.length).toBeLessThan(0.12);
    for (const p of a) expect(p.split).toBe(splitOf(p.id, 0.1));
    // a larger share only moves prompts from train to test
    const wider = new Map(dedupeAndSplit(candidates, 0.3).prompts.map((p) => [p.id, p.split]));
    for (const p of a) if (p.split === 'test') expect(wider.get(p.id)).toBe('test');
    const pinned = dedupeAndSplit([{ text: 'x', source: 'corpus', pin: 'test' as const }], 0).prompts;
    expect(pinned[0]!.split).toBe('test');
  });
});

describe('prompt sources', () => {
  it('reads plain lines, {"prompt"}, {"messages"} and wrapped bodies; rejects bad JSON with its line', async () => {
    const file = join(dir, 'p.txt');
    writeFileSync(
      file,
      ['plain prompt', '', '{"prompt": "json prompt"}', '{"messages": [{"role": "user", "content": "hi"}]}', '{"other": 1}'].join('\n'),
    );
    const { prompts, skipped } = await readPromptFile(file, 'file');
    expect(prompts.map((p) => p.text)).toEqual(['plain prompt', 'json prompt', 'user: hi\nassistant:']);
    expect(prompts[2]!.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(skipped).toBe(1);
    const captured = join(dir, 'c.jsonl');
    writeFileSync(
      captured,
      '{"body": {"model": "auto", "prompt": ["a", "b"]}}\n{"request": {"messages": [{"role": "system", "content": [{"type": "text", "text": "be brief"}]}]}}\n',
    );
    expect((await readPromptFile(captured, 'captured')).prompts.map((p) => p.text)).toEqual(['a', 'b', 'system: be brief\nassistant:']);
    writeFileSync(captured, '{"prompt": "ok"}\n{"prompt": \n');
    await expect(readPromptFile(captured, 'captured')).rejects.toThrow(/c\.jsonl:2: not valid JSON/);
  });

  it('takes the first sentence(s) of a document', () => {
    expect(firstSentences('In the beginning God created the heaven and the earth.\nAnd the earth was without form.')).toBe(
      'In the beginning God created the heaven and the earth.',
    );
    expect(firstSentences('Short one. Then a second, longer sentence follows here! And more.')).toBe(
      'Short one. Then a second, longer sentence follows here!',
    );
    expect(
      firstSentences('ABATIS, n.  Rubbish in front of a fort, to prevent the rubbish outside from molesting the rubbish inside.'),
    ).toBe('ABATIS, n. Rubbish in front of a fort, to prevent the rubbish outside from molesting the rubbish inside.');
    expect(firstSentences('no end mark at all')).toBe('no end mark at all');
    expect(firstSentences(`${'word '.repeat(200)}.`).length).toBeLessThanOrEqual(300);
  });
});

describe('prompts stage', () => {
  it('derives the built-in set from the corpus, pinned to each document’s split', async () => {
    const corpus = join(dir, 'corpus');
    const doc = (id: string, text: string) => JSON.stringify({ id, source: 's', text });
    mkdirSync(corpus);
    writeFileSync(
      join(corpus, 'train.jsonl'),
      `${doc('a', 'Alpha beta gamma delta epsilon zeta eta theta. More.')}\n${doc('b', 'Second document opens with this sentence here. Rest.')}\n`,
    );
    writeFileSync(join(corpus, 'test.jsonl'), `${doc('c', 'A held out document begins like this one does. Rest.')}\n`);
    const stage = promptsStage({ promptFiles: [], capturedFiles: [], testShare: 0.5, corpusDir: corpus });
    const [result] = await runStages([stage], { runDir: join(dir, 'run'), write: () => {} });
    expect(result!.record.summary).toMatchObject({ builtIn: true, train: 2, test: 1 });
    const test = parsePromptsJsonl(readFileSync(join(dir, 'run', 'prompts', 'test.jsonl'), 'utf8'));
    expect(test).toEqual([
      expect.objectContaining({ source: 'corpus:c', split: 'test', text: 'A held out document begins like this one does.' }),
    ]);
  });
});
