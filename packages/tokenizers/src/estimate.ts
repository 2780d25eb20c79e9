/**
 * Pre-request estimates for admission and the choice between upstream and estimated usage
 * (DESIGN.md §5 "Tokens and limits", "Usage rows"; §6 "Tokens: integers, with usage_source").
 * Runtime-free: no encoder needed.
 */

/** Where a usage row's token counts came from (DESIGN.md §6). */
export type UsageSource = 'upstream' | 'estimated';

function assertCount(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

/**
 * The completion budget a request may use: `max_tokens` when given (the caller has already read
 * `max_completion_tokens` as `max_tokens`), else the rest of the served model's context,
 * `contextLength − promptTokens` (DESIGN.md §5 "Tokens and limits"), never below 0.
 * @param input.maxTokens tokens, or undefined when the request gave none
 * @param input.contextLength the served model's context window, tokens
 * @param input.promptTokens the prompt's (estimated) tokens
 * @throws RangeError on a negative or non-integer count
 */
export function effectiveMaxTokens(input: { maxTokens: number | undefined; contextLength: number; promptTokens: number }): number {
  assertCount('promptTokens', input.promptTokens);
  assertCount('contextLength', input.contextLength);
  if (input.maxTokens !== undefined) {
    assertCount('maxTokens', input.maxTokens);
    return input.maxTokens;
  }
  return Math.max(input.contextLength - input.promptTokens, 0);
}

/**
 * Worst-case tokens of a request, reserved at admission against TPM and (× price) the budget:
 * `promptTokens + maxTokens × n` (DESIGN.md §5; the "prompt + effective max_tokens × n").
 * @param input.promptTokens estimated prompt tokens (countChatPrompt / countCompletionPrompt)
 * @param input.maxTokens effective max_tokens (effectiveMaxTokens)
 * @param input.n choices per prompt (× prompts in a legacy batch); @default 1
 * @returns tokens (integer ≥ 0)
 * @throws RangeError on a negative or non-integer count, or n < 1
 */
export function estimateWorstCase(input: { promptTokens: number; maxTokens: number; n?: number }): number {
  const n = input.n ?? 1;
  assertCount('promptTokens', input.promptTokens);
  assertCount('maxTokens', input.maxTokens);
  assertCount('n', n, 1);
  return input.promptTokens + input.maxTokens * n;
}

/** Token counts of a finished request with their source, as a usage row stores them. */
export interface CountedUsage {
  promptTokens: number;
  completionTokens: number;
  usageSource: UsageSource;
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/**
 * Upstream `usage` is the truth when present; an explicit 0 is a count, not "missing" (the
 * issue's rule). `upstream` is OpenAI's usage object as received (any value); it is used when both
 * `prompt_tokens` and `completion_tokens` are integers ≥ 0, else the estimate is.
 * @param estimate this gateway's counts (prompt estimate; completion = tokens relayed)
 */
export function selectUsage(upstream: unknown, estimate: { promptTokens: number; completionTokens: number }): CountedUsage {
  if (typeof upstream === 'object' && upstream !== null) {
    const { prompt_tokens, completion_tokens } = upstream as Record<string, unknown>;
    if (isCount(prompt_tokens) && isCount(completion_tokens)) {
      return { promptTokens: prompt_tokens, completionTokens: completion_tokens, usageSource: 'upstream' };
    }
  }
  return { promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokens, usageSource: 'estimated' };
}
