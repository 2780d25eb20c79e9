/**
 * The model's own tokenizer: `tokenizer.json` (Hugging Face format; ours is byte-level BPE with
 * `<|endoftext|>` special, DESIGN.md §3) loaded with @huggingface/tokenizers (pure JS, edge-safe).
 *
 * Created with `clean_up_tokenization_spaces: false`: tokenizers.js defaults it to true, which
 * rewrites " ." to "." on decode and breaks the round trip (gpu-worker/trainer/bpe.py,
 * `tokenizer_config`). Per-token bytes come from the byte-level alphabet, so streaming can join
 * tokens at the byte level (utf8-stream.ts).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenDisplay } from './logprobs.ts';
import { tokenString } from './utf8-stream.ts';

export interface ModelTokenizer extends TokenDisplay {
  /** Prompt text → ids (no BOS is added; special-token text such as `<|endoftext|>` maps to its id). */
  encode(text: string): number[];
  /** ids → text, special tokens included verbatim. */
  decode(ids: readonly number[]): string;
  /** The exact bytes a token stands for (byte-level BPE), or the UTF-8 of its text otherwise. */
  tokenBytes(id: number): Uint8Array;
  /** OpenAI's `token` string: its text, or `bytes:\xNN…` when its bytes are not valid UTF-8 alone. */
  tokenString(id: number): string;
  /** Added tokens marked special: they end a completion or are dropped from its text. */
  isSpecial(id: number): boolean;
  /** End of text; null when the tokenizer has none. */
  readonly eosTokenId: number | null;
  /** Ids are 0..size−1 (vocabulary + added tokens). */
  readonly size: number;
  /** Bytes of the longest token: text of n UTF-16 units is at least ⌈n / maxTokenBytes⌉ tokens. */
  readonly maxTokenBytes: number;
}

interface TokenizerJson {
  model?: { vocab?: Record<string, number> | unknown[] };
  decoder?: { type?: string; decoders?: { type?: string }[] } | null;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

/**
 * GPT-2's byte ↔ printable-character table: bytes 33–126, 161–172 and 174–255 map to themselves,
 * the other 68 to U+0100 onward, in byte order. Source: openai/gpt-2 `src/encoder.py`
 * `bytes_to_unicode()` (MIT); the same table tokenizers' ByteLevel uses.
 */
function unicodeToByte(): Map<string, number> {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const map = new Map<string, number>();
  let n = 0;
  for (let b = 0; b < 256; b++) map.set(String.fromCodePoint(printable(b) ? b : 256 + n++), b);
  return map;
}

const isByteLevel = (json: TokenizerJson) =>
  json.decoder?.type === 'ByteLevel' || (json.decoder?.type === 'Sequence' && !!json.decoder.decoders?.some((d) => d.type === 'ByteLevel'));

/**
 * Loads a tokenizer.
 * @param tokenizerJson the text or parsed object of `tokenizer.json`
 * @param eosTokenId from the manifest; default: the id of `<|endoftext|>`, else null
 * @throws Error when the JSON is not a tokenizer @huggingface/tokenizers can build
 */
export function loadTokenizer(tokenizerJson: string | object, eosTokenId?: number | null): ModelTokenizer {
  const json = (typeof tokenizerJson === 'string' ? JSON.parse(tokenizerJson) : tokenizerJson) as TokenizerJson;
  const tokenizer = new Tokenizer(json, { clean_up_tokenization_spaces: false });
  const special = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
  const table = byteTable(json, tokenizer);
  const strings = table.map((bytes) => tokenString(bytes));
  const eos = eosTokenId ?? tokenizer.token_to_id('<|endoftext|>') ?? null;
  const check = (id: number) => {
    if (!(Number.isInteger(id) && id >= 0 && id < table.length)) throw new RangeError(`token id ${id} outside 0..${table.length - 1}`);
    return id;
  };
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    // @huggingface/tokenizers throws on an empty list; no ids is no text
    decode: (ids) =>
      ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
    tokenBytes: (id) => table[check(id)]!,
    tokenString: (id) => strings[check(id)]!,
    isSpecial: (id) => special.has(id),
    eosTokenId: eos,
    size: table.length,
    maxTokenBytes: table.reduce((max, bytes) => Math.max(max, bytes.length), 1),
  };
}

/** Bytes of every id. Byte-level: exact, via the alphabet. Otherwise: UTF-8 of each token's decode. */
function byteTable(json: TokenizerJson, tokenizer: Tokenizer): Uint8Array[] {
  const vocab = tokenizer.get_vocab(true);
  let size = 0;
  for (const id of vocab.values()) size = Math.max(size, id + 1);
  const utf8 = new TextEncoder();
  const table: Uint8Array[] = Array.from({ length: size }, () => new Uint8Array(0));
  const added = new Map((json.added_tokens ?? []).map((t) => [t.id, t.content]));
  const alphabet = isByteLevel(json) ? unicodeToByte() : null;
  for (const [token, id] of vocab) {
    const content = added.get(id);
    if (content !== undefined) table[id] = utf8.encode(content);
    else if (alphabet) table[id] = Uint8Array.from(Array.from(token, (ch) => alphabet.get(ch) ?? 0x3f));
    else table[id] = utf8.encode(tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
  }
  return table;
}
