/**
 * Token counting on Node (DESIGN.md §2 `packages/tokenizers`): tiktoken's full build, whose
 * `get_encoding` loads synchronously, built once per process on first use (~130 ms). The workerd
 * build (workerd.ts, picked by the `workerd` export condition) has the same exports; code shared by
 * both runtimes awaits `loadTokenCounter()` once before the synchronous functions.
 */
import { get_encoding } from 'tiktoken';
import type { ChatPromptMessage, CompletionPrompt } from './chat-prompt.ts';
import { createTokenCounter, type TokenCounter } from './counter.ts';
import { ENCODING } from './encoding.ts';

export * from './exports.ts';

let counter: TokenCounter | undefined;

/** The process's counter, built on the first call. */
export function tokenCounter(): TokenCounter {
  counter ??= createTokenCounter(get_encoding(ENCODING), ENCODING);
  return counter;
}

/** The process's counter; async for parity with workerd.ts, where building it is async. */
export async function loadTokenCounter(): Promise<TokenCounter> {
  return tokenCounter();
}

/** Tokens of `text` as ordinary text (special-token spellings never throw). @returns tokens */
export function countTokens(text: string): number {
  return tokenCounter().countTokens(text);
}

/** Chat prompt tokens with the cookbook's per-message overhead (chat-prompt.ts). @returns tokens */
export function countChatPrompt(messages: readonly ChatPromptMessage[]): number {
  return tokenCounter().countChatPrompt(messages);
}

/** Legacy completions prompt tokens, summed over a batch. @returns tokens */
export function countCompletionPrompt(prompt: CompletionPrompt): number {
  return tokenCounter().countCompletionPrompt(prompt);
}
