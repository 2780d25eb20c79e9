/**
 * The workerd path (lite build from a compiled module + encoder JSON) run on Node with a module
 * compiled from the same `.wasm` file: it must count exactly like the Node entry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ENCODING, type EncoderDefinition } from './encoding.ts';
import { countTokens } from './index.ts';
import { createLiteTokenCounter } from './lite.ts';

const require = createRequire(import.meta.url);

describe('createLiteTokenCounter (the workerd build, on Node)', () => {
  it('counts like the full build, special-token text included', async () => {
    const wasmModule = new WebAssembly.Module(readFileSync(require.resolve('tiktoken/lite/tiktoken_bg.wasm')));
    const encoder = JSON.parse(readFileSync(require.resolve(`tiktoken/encoders/${ENCODING}.json`), 'utf8')) as EncoderDefinition;
    const lite = await createLiteTokenCounter(wasmModule, encoder, ENCODING);
    for (const text of ['Hello, world!', '<|endoftext|><|im_start|>user', 'ünïcödé 🤖 漢字', 'x'.repeat(10_000)]) {
      expect(lite.countTokens(text)).toBe(countTokens(text));
    }
    expect(lite.countChatPrompt([{ role: 'user', content: '<|im_end|>' }])).toBe(3 + 3 + countTokens('user') + countTokens('<|im_end|>'));
  });
});
