/**
 * Prompt features for the learned router: computed from the request alone, before any model runs,
 * identically on Node and Workers (no tokenizer: characters and words only).
 *
 * Layout of the vector (length DENSE_FEATURES.length + hashBuckets):
 * - dense features, in DENSE_FEATURES order (standardised by the trained model's mean/scale);
 * - hashed bag of words: bucket FNV-1a(lower-cased word) mod hashBuckets gets count / words
 *   (the "hashing trick", Weinberger et al., "Feature Hashing for Large Scale Multitask
 *   Learning", ICML 2009; unsigned here).
 */

/** Names of the dense features, in vector order. */
export const DENSE_FEATURES = [
  'ln_chars',
  'ln_words',
  'mean_word_length',
  'uppercase_share',
  'digit_share',
  'punctuation_share',
  'non_ascii_share',
  'distinct_word_share',
  'ln_max_tokens',
] as const;

/** Hash buckets of the learned router's default layout, and of the vectors shadow records store. */
export const DEFAULT_HASH_BUCKETS = 64;

/** What the features are computed from. */
export interface PromptFeatureInput {
  /** The prompt text: a completion prompt, or the chat messages' contents joined by newlines. */
  text: string;
  /** The request's max_tokens (absent: the default the router assumes, `defaultMaxTokens`). */
  maxTokens?: number;
}

/** Tokens assumed for a request without max_tokens (a feature only; admission reserves its own). */
const DEFAULT_MAX_TOKENS = 256;

/** 32-bit FNV-1a of the UTF-16 code units (Fowler–Noll–Vo, IETF draft-eastlake-fnv). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * @returns a vector of length DENSE_FEATURES.length + hashBuckets (raw, not standardised)
 * @throws RangeError for hashBuckets < 0 or not an integer
 */
export function promptFeatures(input: PromptFeatureInput, hashBuckets: number): number[] {
  if (!Number.isInteger(hashBuckets) || hashBuckets < 0) throw new RangeError(`hashBuckets must be an integer ≥ 0, got ${hashBuckets}`);
  const { text } = input;
  const chars = [...text];
  const words = text.match(/[\p{L}\p{N}_']+/gu) ?? [];
  const count = (re: RegExp) => chars.filter((c) => re.test(c)).length;
  const letters = Math.max(1, count(/\p{L}/u));
  const n = Math.max(1, chars.length);
  const lower = words.map((w) => w.toLowerCase());
  const dense = [
    Math.log1p(chars.length),
    Math.log1p(words.length),
    words.length ? words.reduce((s, w) => s + w.length, 0) / words.length : 0,
    count(/\p{Lu}/u) / letters,
    count(/\p{N}/u) / n,
    count(/\p{P}/u) / n,
    count(/[^\p{ASCII}]/u) / n,
    words.length ? new Set(lower).size / words.length : 0,
    Math.log1p(input.maxTokens ?? DEFAULT_MAX_TOKENS),
  ];
  const buckets = new Array<number>(hashBuckets).fill(0);
  if (hashBuckets > 0) for (const w of lower) buckets[fnv1a(w) % hashBuckets]! += 1 / lower.length;
  return [...dense, ...buckets];
}
