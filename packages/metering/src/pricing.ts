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
 * `prompt_tokens × inputUsdPerMTok + completion_tokens × outputUsdPerMTok`, rounded to an integer.
 * USD per 1M tokens × tokens is micro-USD, so no scaling is needed.
 * @returns micro-USD (integer ≥ 0); 0 when the model has no price
 */
export function costMicroUsd(usage: TokenUsage, price: Price | undefined): number {
  if (!price) return 0;
  return Math.round(usage.prompt_tokens * price.inputUsdPerMTok + usage.completion_tokens * price.outputUsdPerMTok);
}

/**
 * Reads an OpenAI `usage` object, keeping explicit zeros (0 is a count, not "missing").
 * @returns undefined when `value` lacks integer `prompt_tokens` and `completion_tokens`
 */
export function readUsage(value: unknown): TokenUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { prompt_tokens, completion_tokens } = value as Record<string, unknown>;
  if (!Number.isInteger(prompt_tokens) || !Number.isInteger(completion_tokens)) return undefined;
  if ((prompt_tokens as number) < 0 || (completion_tokens as number) < 0) return undefined;
  return { prompt_tokens: prompt_tokens as number, completion_tokens: completion_tokens as number };
}
