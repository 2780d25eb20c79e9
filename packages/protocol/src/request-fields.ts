/**
 * Request fields shared by `/v1/chat/completions` and `/v1/completions`: their zod schemas
 * (ranges from the OpenAI spec's CreateChatCompletionRequest / CreateCompletionRequest) and the
 * normalisation both parsers apply once after validation. Internal to this package apart from the
 * types.
 */
import { z } from 'zod';
import { errors, type GatewayError } from './errors.ts';
import { issueToError } from './request-issue.ts';

/** `stream_options` as sent by clients (allowed only with `stream: true`). */
export interface StreamOptions {
  /** Ask for a final chunk with `usage` and `choices: []`. */
  include_usage?: boolean;
  include_obfuscation?: boolean;
  [key: string]: unknown;
}

/** Fields both endpoints share, after normalisation. Absent means "not sent" (no defaults added). */
export interface CommonRequestFields {
  model: string;
  /** 0..2. */
  temperature?: number;
  /** 0..1. */
  top_p?: number;
  /** -2..2. */
  presence_penalty?: number;
  /** -2..2. */
  frequency_penalty?: number;
  /** Choices per prompt, 1..128. */
  n?: number;
  /** Any safe integer. */
  seed?: number;
  /** Token budget for the completion, tokens (`max_completion_tokens` is folded into it). */
  max_tokens?: number;
  /** 1..4 stop sequences; never empty (`null`/`[]` are removed, a string becomes `[string]`). */
  stop?: string[];
  stream?: boolean;
  stream_options?: StreamOptions;
  /** Token id (as a string key) → bias, integers. */
  logit_bias?: Record<string, number>;
  user?: string;
  /** vLLM's extension: keep the k most likely tokens; -1 disables. */
  top_k?: number;
  /** Unknown fields pass through unchanged. */
  [key: string]: unknown;
}

/** Optional and, as in the spec, nullable; a null is removed after parsing (it means "default"). */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.nullable().optional();
}

/** Schemas of the shared optional fields, in the order errors are reported. */
export const commonFields = {
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  presence_penalty: optional(z.number().min(-2).max(2)),
  frequency_penalty: optional(z.number().min(-2).max(2)),
  n: optional(z.int().min(1).max(128)),
  seed: optional(z.int()), // z.int() is the safe-integer range
  // `[]` is accepted (DEVIATIONS.md); the spec asks for 1..4 entries.
  stop: optional(z.union([z.string(), z.array(z.string()).max(4)])),
  stream: optional(z.boolean()),
  stream_options: optional(z.looseObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })),
  // token id → bias in [-100, 100] (OpenAI API reference, `logit_bias`)
  logit_bias: optional(z.record(z.string().regex(/^\d+$/, 'keys must be token ids'), z.int().min(-100).max(100))),
  // vLLM's extension: -1 disables, else keep the k most likely tokens
  top_k: optional(z.int().min(-1)),
  user: z.string().optional(),
};

/**
 * Validates `body` with `schema`, throwing the 400 for the first problem.
 * @throws {GatewayError} 400 `invalid_json` when `body` is not a JSON object; 400
 *   `missing_required_parameter` / `invalid_value` for the first schema issue.
 */
export function parseObject<T extends z.ZodType>(schema: T, body: unknown): Record<string, unknown> & z.output<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidJson('request body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    throw first === undefined ? errors.invalidValue(null, 'Invalid request body.') : issueToError(first, body);
  }
  return result.data as Record<string, unknown> & z.output<T>;
}

/** Deletes each of `keys` whose value is null (the spec's "use the default"). Mutates `req`. */
export function dropNulls(req: Record<string, unknown>, keys: Iterable<string>): void {
  for (const key of keys) if (req[key] === null) delete req[key];
}

/** `stop`: string → [string]; `[]` → key deleted (null was already dropped). Mutates `req`. */
export function normaliseStop(req: Record<string, unknown>): void {
  const stop = req.stop;
  if (typeof stop === 'string') req.stop = [stop];
  else if (Array.isArray(stop) && stop.length === 0) delete req.stop;
}

/**
 * Cross-field rules shared by both endpoints, checked after the schema; mutates `req`.
 * - `stream_options` only with `stream: true` (as OpenAI).
 * - `max_completion_tokens` is read as `max_tokens`; both present and different → 400.
 * @returns the 400 for the first broken rule, or undefined.
 */
export function checkCommonRules(req: Record<string, unknown>): GatewayError | undefined {
  if (req.stream_options !== undefined && req.stream !== true) {
    return errors.invalidValue('stream_options', "Invalid value for 'stream_options': only allowed when 'stream' is true.");
  }
  const completionTokens = req.max_completion_tokens;
  if (completionTokens !== undefined) {
    if (req.max_tokens !== undefined && req.max_tokens !== completionTokens) {
      return errors.invalidValue(
        'max_completion_tokens',
        "Invalid value for 'max_completion_tokens': it differs from 'max_tokens'; send one of them.",
      );
    }
    req.max_tokens = completionTokens;
    delete req.max_completion_tokens;
  }
  return undefined;
}

/**
 * The steps both endpoints share, in order: validate against `schema`, drop nulls of its known
 * fields, normalise `stop`, check the cross-field rules.
 * @throws {GatewayError} 400 on the first problem
 */
export function parseRequest<T extends z.ZodObject>(schema: T, body: unknown): Record<string, unknown> {
  const req: Record<string, unknown> = parseObject(schema, body);
  dropNulls(req, Object.keys(schema.shape));
  normaliseStop(req);
  const broken = checkCommonRules(req);
  if (broken) throw broken;
  return req;
}
