/**
 * Token counting inside workerd: tiktoken's lite build, the only one that runs there (DESIGN.md
 * §4) — its `.wasm` imported as a compiled module (wrangler.toml's `CompiledWasm` rule) and the
 * encoder JSON imported into the bundle (1.1 MB for cl100k_base). Built once per isolate, on the
 * first `loadTokenCounter()`; a failed build is retried by the next call. Same exports as index.ts:
 * the synchronous functions work once `loadTokenCounter()` has resolved and throw before.
 * The JSON below must name the same encoding as `ENCODING` (encoding.ts).
 */
import encoderJson from 'tiktoken/encoders/cl100k_base.json';
// Typed by tiktoken as the wasm-bindgen exports; under wrangler's CompiledWasm rule the default export is the compiled module.
import wasmModule from 'tiktoken/lite/tiktoken_bg.wasm';
import type { ChatPromptMessage, CompletionPrompt } from './chat-prompt.ts';
import type { TokenCounter } from './counter.ts';
import { ENCODING } from './encoding.ts';
import { createLiteTokenCounter } from './lite.ts';

export * from './exports.ts';

let loading: Promise<TokenCounter> | undefined;
let counter: TokenCounter | undefined;

/** The isolate's counter, built on the first call (~130 ms); concurrent first calls share one build. */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= createLiteTokenCounter(wasmModule as unknown as WebAssembly.Module, encoderJson, ENCODING).then(
    (built) => {
      counter = built;
      return built;
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/**
 * The isolate's counter once `loadTokenCounter()` has resolved.
 * @throws Error before that
 */
export function tokenCounter(): TokenCounter {
  if (!counter) throw new Error('@distillgate/tokenizers: await loadTokenCounter() once before counting in workerd');
  return counter;
}

/** Tokens of `text` as ordinary text. @throws Error before `loadTokenCounter()` resolved */
export function countTokens(text: string): number {
  return tokenCounter().countTokens(text);
}

/** Chat prompt tokens (chat-prompt.ts). @throws Error before `loadTokenCounter()` resolved */
export function countChatPrompt(messages: readonly ChatPromptMessage[]): number {
  return tokenCounter().countChatPrompt(messages);
}

/** Legacy completions prompt tokens. @throws Error before `loadTokenCounter()` resolved */
export function countCompletionPrompt(prompt: CompletionPrompt): number {
  return tokenCounter().countCompletionPrompt(prompt);
}
