/**
 * A token counter over any tiktoken encoder (full build on Node, lite build in workerd): the same
 * counting rules on both runtimes, only the way the encoder is built differs (index.ts, workerd.ts).
 */
import { type ChatPromptMessage, type CompletionPrompt, countChatPromptWith, countCompletionPromptWith } from './chat-prompt.ts';
import type { OrdinaryEncoder } from './encoding.ts';

/** Token counts for admission estimates and for responses that came back without `usage`. */
export interface TokenCounter {
  /** The tiktoken encoding name (encoding.ts). */
  readonly encoding: string;
  /**
   * Tokens of `text` as ordinary text: `<|endoftext|>`, `<|im_start|>` and any other special-token
   * spelling are split like any other characters — counting never throws on user text.
   * @returns tokens (integer ≥ 0)
   */
  countTokens(text: string): number;
  /** Chat prompt tokens with per-message overhead (formula and source in chat-prompt.ts). */
  countChatPrompt(messages: readonly ChatPromptMessage[]): number;
  /** Legacy completions prompt tokens, summed over a batch (chat-prompt.ts). */
  countCompletionPrompt(prompt: CompletionPrompt): number;
}

/** Wraps an encoder; `encode_ordinary` is what makes special-token text ordinary. */
export function createTokenCounter(encoder: OrdinaryEncoder, encoding: string): TokenCounter {
  const countTokens = (text: string): number => (text.length === 0 ? 0 : encoder.encode_ordinary(text).length);
  return {
    encoding,
    countTokens,
    countChatPrompt: (messages) => countChatPromptWith(countTokens, messages),
    countCompletionPrompt: (prompt) => countCompletionPromptWith(countTokens, prompt),
  };
}
