/**
 * Cost of served tokens in integer micro-USD (DESIGN.md §5 "Usage rows": customer cost = served
 * tokens × the served model's price).
 */
import type { Price } from '@distillgate/config';

/** Token counts as OpenAI's `usage` object reports them. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/**
 * `prompt_tokens × inputUsdPerMTok + completion_tokens × outputUsdPerMTok`, rounded UP to an
 * integer: a priced request never costs 0, so a spent budget (even one of 0) stops every priced
 * request, and many tiny requests cannot slip through by rounding. USD per 1M tokens × tokens is
 * micro-USD, so no scaling is needed. Capped at Number.MAX_SAFE_INTEGER.
 * @returns micro-USD (integer ≥ 0); 0 when the model has no price or no tokens were used
 */
export function costMicroUsd(usage: TokenUsage, price: Price | undefined): number {
  if (!price) return 0;
  const exact = usage.prompt_tokens * price.inputUsdPerMTok + usage.completion_tokens * price.outputUsdPerMTok;
  // 1e-9 absorbs float error in exact products (3 × 0.1 = 0.30000000000000004 must stay 1, not 2)
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.ceil(exact - 1e-9)));
}

/** More tokens than any model's context holds (the largest today are ~10M): such a `usage` is not believed. */
export const MAX_PLAUSIBLE_TOKENS = 100_000_000;

/**
 * Reads an OpenAI `usage` object, keeping explicit zeros (0 is a count, not "missing").
 * @returns undefined when `value` lacks integer `prompt_tokens` and `completion_tokens`, or they
 *   exceed MAX_PLAUSIBLE_TOKENS
 */
export function readUsage(value: unknown): TokenUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { prompt_tokens, completion_tokens } = value as Record<string, unknown>;
  if (!Number.isInteger(prompt_tokens) || !Number.isInteger(completion_tokens)) return undefined;
  if ((prompt_tokens as number) < 0 || (completion_tokens as number) < 0) return undefined;
  // counts no request can have (a broken or hostile upstream): estimate instead of billing them
  if ((prompt_tokens as number) > MAX_PLAUSIBLE_TOKENS || (completion_tokens as number) > MAX_PLAUSIBLE_TOKENS) return undefined;
  return { prompt_tokens: prompt_tokens as number, completion_tokens: completion_tokens as number };
}
