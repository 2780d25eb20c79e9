/**
 * Request parsing of the admin API (`/admin/v1/*`) and of `GET /v1/usage` (DESIGN.md §5 "Admin
 * API"). Bodies and query strings are strict: an unknown field is a 400 naming it (a typo such as
 * `budget_usd` must not be silently ignored). Every failure is a 400 with an OpenAI-style `param`.
 * The OpenAPI document (admin-openapi.ts) derives its request schemas from these zod schemas, so
 * the two cannot drift.
 *
 * Units on the wire: money in integer micro-USD (`budget_micro_usd`), prices in integer micro-USD
 * per 1M tokens (`input_micro_usd_per_mtok`: $0.15 / 1M tokens = 150000), times in ms since the
 * Unix epoch (`*_at_ms`; `since`/`until` also take ISO 8601).
 */
import { z } from 'zod';
import { errors, type GatewayError } from './errors.ts';
import { formatParam, issueToError } from './request-issue.ts';

/** Where a request was served (`x-distillgate-route`). */
export const USAGE_ROUTES = ['edge', 'pool', 'escalated'] as const;
/** A usage row's outcome (DESIGN.md §5 "Usage rows"). */
export const USAGE_STATUSES = ['ok', 'upstream_error', 'rate_limited', 'client_aborted', 'stream_truncated'] as const;
/** `GET …/usage?group_by=`: per UTC day (`YYYY-MM-DD`), per served model, per route. */
export const USAGE_GROUP_BYS = ['day', 'model', 'route'] as const;
/** Largest `limit` of a usage page; the default is {@link USAGE_LIMIT_DEFAULT}. */
export const USAGE_LIMIT_MAX = 1000;
export const USAGE_LIMIT_DEFAULT = 100;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A non-empty label with at least one visible character. */
const keyName = z
  .string()
  .min(1)
  .max(200)
  .regex(/\S/, 'must contain a visible character')
  .meta({ description: 'A label for people, e.g. the team or app using the key.' });
const limits = {
  allowed_models: z
    .array(z.string().min(1).max(256))
    .max(256)
    .nullable()
    .optional()
    .meta({ description: 'Model ids or aliases (body `model`) the key may request; null = any.' }),
  rpm: z.int().min(1).max(MAX_SAFE).nullable().optional().meta({ description: 'Requests per minute; null = unlimited.' }),
  tpm: z
    .int()
    .min(1)
    .max(MAX_SAFE)
    .nullable()
    .optional()
    .meta({ description: 'Tokens per minute (prompt + completion); null = unlimited.' }),
  budget_micro_usd: z
    .int()
    .min(0)
    .max(MAX_SAFE)
    .nullable()
    .optional()
    .meta({ description: 'Spend allowed per calendar month (UTC), integer micro-USD ($1 = 1000000); null = unlimited.' }),
};

export const createKeyRequestSchema = z.strictObject({ name: keyName, ...limits }).meta({ description: 'POST /admin/v1/keys' });
export type CreateKeyRequest = z.output<typeof createKeyRequestSchema>;

export const updateKeyRequestSchema = z
  .strictObject({ name: keyName.optional(), ...limits })
  .meta({ description: 'PATCH /admin/v1/keys/{id}: absent fields stay as they are; null removes a limit.' });
export type UpdateKeyRequest = z.output<typeof updateKeyRequestSchema>;

const microUsdPerMTok = (what: string) =>
  z
    .int()
    .min(0)
    .max(MAX_SAFE)
    .meta({ description: `Price of 1M ${what} tokens in integer micro-USD (USD per 1M tokens × 10⁶: $0.15 → 150000).` });
export const putPriceRequestSchema = z
  .strictObject({ input_micro_usd_per_mtok: microUsdPerMTok('prompt'), output_micro_usd_per_mtok: microUsdPerMTok('completion') })
  .meta({ description: 'PUT /admin/v1/prices/{model}' });
export type PutPriceRequest = z.output<typeof putPriceRequestSchema>;

export const adminSessionRequestSchema = z
  .strictObject({ token: z.string().min(1).max(1024).meta({ description: 'DISTILLGATE_ADMIN_TOKEN' }) })
  .meta({ description: 'POST /admin/v1/session' });
export type AdminSessionRequest = z.output<typeof adminSessionRequestSchema>;

/** `since`/`until`: ms since the Unix epoch (digits) or an ISO 8601 date-time. */
const timestamp = z.string().transform((text, ctx) => {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isSafeInteger(ms)) return ms;
  ctx.issues.push({
    code: 'custom',
    input: text,
    message: `expected ms since the Unix epoch or an ISO 8601 date-time, got '${text.slice(0, 40)}'`,
  });
  return z.NEVER;
});
const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'expected a decimal integer')
    .transform(Number)
    .pipe(z.int().min(min).max(max));

const customerUsageQuerySchema = z.strictObject({
  model: z.string().min(1).max(256).optional(),
  route: z.enum(USAGE_ROUTES).optional(),
  status: z.enum(USAGE_STATUSES).optional(),
  since: timestamp.optional(),
  until: timestamp.optional(),
  limit: queryInt(1, USAGE_LIMIT_MAX).optional(),
  before_id: queryInt(1, MAX_SAFE).optional(),
  group_by: z.enum(USAGE_GROUP_BYS).optional(),
});
const adminUsageQuerySchema = customerUsageQuerySchema.extend({ key_id: z.string().min(1).max(64).optional() });

/** A parsed usage query (both scopes); `key_id` only from the admin API. */
export interface UsageQuery {
  key_id?: string;
  model?: string;
  route?: (typeof USAGE_ROUTES)[number];
  status?: (typeof USAGE_STATUSES)[number];
  /** Inclusive, ms since the Unix epoch. */
  since?: number;
  /** Exclusive, ms since the Unix epoch. */
  until?: number;
  limit?: number;
  before_id?: number;
  group_by?: (typeof USAGE_GROUP_BYS)[number];
}

/** The 400 for a failed parse: an unknown field names itself, anything else goes through issueToError. */
function toError(issues: readonly z.core.$ZodIssue[], input: unknown, where: 'body' | 'query'): GatewayError {
  // an unknown field first: `{"input_usd_per_mtok": 1}` is a wrong name more than two missing ones
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (first === undefined) return errors.invalidValue(null, `Invalid request ${where}.`);
  if (first.code === 'unrecognized_keys') {
    const param = formatParam([...first.path, first.keys[0] ?? '']);
    return errors.invalidValue(param, `Unknown ${where === 'body' ? 'parameter' : 'query parameter'}: '${param}'.`);
  }
  return issueToError(first, input);
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown, where: 'body' | 'query'): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw toError(result.error.issues, input, where);
  return result.data;
}

/** @throws {GatewayError} 400 `invalid_value` / `missing_required_parameter` with `param` */
export function parseCreateKeyRequest(body: unknown): CreateKeyRequest {
  return parseWith(createKeyRequestSchema, body, 'body');
}

/** @throws {GatewayError} 400 `invalid_value` with `param` */
export function parseUpdateKeyRequest(body: unknown): UpdateKeyRequest {
  return parseWith(updateKeyRequestSchema, body, 'body');
}

/** @throws {GatewayError} 400 `invalid_value` / `missing_required_parameter` with `param` */
export function parsePutPriceRequest(body: unknown): PutPriceRequest {
  return parseWith(putPriceRequestSchema, body, 'body');
}

/** @throws {GatewayError} 400 `invalid_value` / `missing_required_parameter` with `param` */
export function parseAdminSessionRequest(body: unknown): AdminSessionRequest {
  return parseWith(adminSessionRequestSchema, body, 'body');
}

/**
 * Parses a usage query string (`GET /admin/v1/usage`, or `GET /v1/usage` with `scope: 'key'`,
 * where `key_id` is not a parameter: the caller's own key is implied). Paging (`limit`,
 * `before_id`) and `group_by` exclude each other: an aggregate covers every matching row.
 * @param query the query parameters, first value of each
 * @throws {GatewayError} 400 `invalid_value` with `param`
 */
export function parseUsageQuery(query: Record<string, string>, scope: 'admin' | 'key'): UsageQuery {
  const parsed: UsageQuery = parseWith(scope === 'admin' ? adminUsageQuerySchema : customerUsageQuerySchema, query, 'query');
  if (parsed.group_by !== undefined) {
    for (const param of ['limit', 'before_id'] as const) {
      if (parsed[param] !== undefined) throw errors.invalidValue(param, `'${param}' pages rows; it cannot be combined with 'group_by'.`);
    }
  }
  return parsed;
}
