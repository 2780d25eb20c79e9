/**
 * The one tiktoken encoding the gateway estimates with, on Node and in workerd alike.
 *
 * `cl100k_base` (gpt-4 / gpt-3.5-turbo), not `o200k_base` (gpt-4o family), measured here with
 * tiktoken 1.0.22's lite build: cl100k takes 14.7 MB of WASM memory and ~130 ms to build versus
 * 28.2 MB and ~230 ms for o200k, and its encoder JSON is 1.1 MB versus 2.3 MB in the Worker
 * bundle — a Worker isolate has 128 MB and already holds onnxruntime-web with the edge student
 * (DESIGN.md §4). The count is an estimate in any case: the gateway's own models use their own
 * tokenizer, upstream `usage` is the truth when present, and on ordinary text cl100k's smaller
 * vocabulary tends to give as many or more tokens than o200k, so an admission estimate errs
 * toward reserving more rather than less. The chat overhead formula (chat-prompt.ts) is the same
 * for both encodings.
 */
export const ENCODING = 'cl100k_base';

/** What counting needs from a tiktoken `Tiktoken` (full or lite build). */
export interface OrdinaryEncoder {
  /** Token ids of `text`, every special-token spelling (`<|endoftext|>`…) encoded as ordinary text. */
  encode_ordinary(text: string): Uint32Array;
}

/** The shape of `tiktoken/encoders/<name>.json`, the lite build's constructor arguments. */
export interface EncoderDefinition {
  bpe_ranks: string;
  special_tokens: Record<string, number>;
  pat_str: string;
}
