/**
 * tiktoken's lite build from a precompiled WebAssembly module and an encoder definition — the
 * only way it runs in workerd, which forbids compiling WASM from bytes (DESIGN.md §4). Kept apart
 * from workerd.ts (which only supplies the module imports) so Node tests can run it with a module
 * compiled from the same `.wasm` file.
 */
import { init, Tiktoken } from 'tiktoken/lite/init';
import { createTokenCounter, type TokenCounter } from './counter.ts';
import type { EncoderDefinition } from './encoding.ts';

/**
 * Instantiates the lite WASM (once per module instance: tiktoken's `init` ignores later calls)
 * and builds the encoder; ~130 ms for cl100k_base.
 * @param wasmModule `tiktoken/lite/tiktoken_bg.wasm` as a compiled module
 * @param encoder `tiktoken/encoders/<encoding>.json`
 * @throws whatever instantiation throws (a wrong module, out of memory)
 */
export async function createLiteTokenCounter(
  wasmModule: WebAssembly.Module,
  encoder: EncoderDefinition,
  encoding: string,
): Promise<TokenCounter> {
  await init((imports) => WebAssembly.instantiate(wasmModule, imports));
  return createTokenCounter(new Tiktoken(encoder.bpe_ranks, encoder.special_tokens, encoder.pat_str), encoding);
}
