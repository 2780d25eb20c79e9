/**
 * The real tokenizer (vocabulary 4,096, trained on the full train split) gives exactly the Python
 * ids in @huggingface/tokenizers over the whole test split. Builds corpus + tokenizer from scratch
 * in a temp dir (~15 s on 2 cores) so it always checks the current code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonSkipReason, runTrainer } from './python.ts';

const BUILD_TIMEOUT_MS = 300_000;
const skipReason = pythonSkipReason();

describe.skipIf(skipReason !== null)('full-size tokenizer: Python ↔ @huggingface/tokenizers parity', () => {
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'distillgate-tokenizer-'));
    await runTrainer('corpus.py', ['--out', join(out, 'corpus')], BUILD_TIMEOUT_MS);
    await runTrainer('bpe.py', ['--corpus', join(out, 'corpus'), '--out', join(out, 'tokenizer')], BUILD_TIMEOUT_MS);
  }, BUILD_TIMEOUT_MS);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('encodes every test document to the Python ids and decodes it back', () => {
    const dir = join(out, 'tokenizer');
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    expect(Object.keys(json.model.vocab)).toHaveLength(4096);
    const tokenizer = new Tokenizer(json, JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
    expect(tokenizer.token_to_id('<|endoftext|>')).toBe(4095);

    const docs = readFileSync(join(dir, 'test.ids.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; text: string; ids: number[] });
    const mismatched: string[] = [];
    let tokens = 0;
    for (const doc of docs) {
      const ids = tokenizer.encode(doc.text, { add_special_tokens: false }).ids;
      tokens += ids.length;
      if (ids.length !== doc.ids.length || ids.some((id, i) => id !== doc.ids[i])) mismatched.push(doc.id);
      else if (tokenizer.decode(ids) !== doc.text) mismatched.push(`${doc.id} (round trip)`);
    }
    expect(mismatched).toEqual([]);
    expect(docs.length).toBeGreaterThan(200);
    expect(tokens).toBeGreaterThan(100_000);
  });
});
