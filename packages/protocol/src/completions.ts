/**
 * `POST /v1/completions` request parsing (OpenAI spec CreateCompletionRequest). This is also the
 * teacher-scoring call of DESIGN.md §5: token-id `prompt`, `echo: true`, `logprobs` ≤ 20,
 * `max_tokens` 0 or 1, vLLM's `return_tokens_as_token_ids` passed through.
 */
import { z } from 'zod';
import { errors } from './errors.ts';
import { type CommonRequestFields, commonFields, optional, parseRequest } from './request-fields.ts';

/** Prompt(s): text, a batch of texts, token ids, or a batch of token-id arrays (ids ≥ 0). */
export type CompletionPrompt = string | string[] | number[] | number[][];

/** A parsed legacy completion request. Unknown fields are kept as sent. */
export interface CompletionRequest extends CommonRequestFields {
  prompt: CompletionPrompt;
  /** Return the prompt (and its logprobs) before the completion. */
  echo?: boolean;
  /** 0..20 alternatives per position (OpenAI allows ≤ 5; DEVIATIONS.md). */
  logprobs?: number;
  /** 0..20 candidates, best returned. */
  best_of?: number;
  suffix?: string;
}

const tokenIds = z.array(z.int().min(0)).min(1);

const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)]),
  ...commonFields,
  // 0 is allowed: `max_tokens: 0` with `echo: true` scores a prompt without generating.
  max_tokens: optional(z.int().min(0)),
  max_completion_tokens: optional(z.int().min(0)),
  echo: optional(z.boolean()),
  logprobs: optional(z.int().min(0).max(20)),
  best_of: optional(z.int().min(0).max(20)),
  suffix: optional(z.string()),
});

/**
 * Validates and normalises a completion request body (already JSON-parsed).
 * @throws {GatewayError} 400 on the first problem: `invalid_json` if `body` is not an object;
 *   `missing_required_parameter` / `invalid_value` with `param` such as `prompt`, `logprobs`, `stop`.
 */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  const req = parseRequest(completionRequestSchema, body);
  if (typeof req.best_of === 'number' && typeof req.n === 'number' && req.best_of < req.n) {
    throw errors.invalidValue('best_of', "Invalid value for 'best_of': must be greater than or equal to 'n'.");
  }
  return req as CompletionRequest;
}
