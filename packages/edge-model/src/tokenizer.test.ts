import { beforeAll, describe, expect, it } from 'vitest';
import { readModelDir } from './node/model-dir.ts';
import { BUILD_TIMEOUT_MS, testModelDir, testModelSkipReason } from './test-model.ts';
import { loadTokenizer, type ModelTokenizer } from './tokenizer.ts';

describe.skipIf(testModelSkipReason() !== null)('loadTokenizer (the test model tokenizer.json)', () => {
  let tokenizer: ModelTokenizer;
  let eos: number;

  beforeAll(async () => {
    const files = await readModelDir(await testModelDir());
    eos = (files.manifest as { eos_token_id: number }).eos_token_id;
    tokenizer = loadTokenizer(files.tokenizer, eos);
  }, BUILD_TIMEOUT_MS);

  it('round-trips text exactly (clean_up_tokenization_spaces off) and knows eos', () => {
    const text = 'Hello , world . "Quoted" — it\'s 42 € ; ok ?';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.eosTokenId).toBe(eos);
    expect(tokenizer.isSpecial(eos)).toBe(true);
    expect(tokenizer.encode('a<|endoftext|>b')).toContain(eos);
    expect(tokenizer.decode([])).toBe(''); // the library throws on an empty list
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('per-token bytes concatenate to the UTF-8 of the text', () => {
    const text = 'naïve café, 日本 ✓';
    const ids = tokenizer.encode(text);
    const joined = ids.flatMap((id) => Array.from(tokenizer.tokenBytes(id)));
    expect(joined).toEqual(Array.from(new TextEncoder().encode(text)));
    expect(tokenizer.tokenString(eos)).toBe('<|endoftext|>');
    expect(() => tokenizer.tokenBytes(tokenizer.size)).toThrow(RangeError);
  });
});
