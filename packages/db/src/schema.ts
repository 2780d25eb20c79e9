/**
 * The one drizzle schema (SQLite dialect) behind D1 on Workers and better-sqlite3 on Node
 * (DESIGN.md §2 `packages/db`). Conventions (DESIGN.md §6): money in integer micro-USD, times in
 * integer ms since the Unix epoch (`*_at_ms`), durations in ms (`*_ms`), tokens in integers; column
 * names carry their unit. Enumerations are TEXT with a CHECK so a bad value fails at the database.
 * Migrations are generated from this file: `npm run -w @distillgate/db generate` (drizzle-kit).
 *
 * RPM/TPM windows are not stored here: they live in memory per gateway process (packages/metering)
 * — see the package README for why.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Where a request was served (DESIGN.md §5 "Headers": `x-distillgate-route`). */
export const ROUTES = ['edge', 'pool', 'escalated'] as const;
export type Route = (typeof ROUTES)[number];

/** A usage row's outcome (DESIGN.md §5 "Usage rows"). */
export const USAGE_STATUSES = ['ok', 'upstream_error', 'rate_limited', 'client_aborted', 'stream_truncated'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

/** Where token counts came from (DESIGN.md §6). */
export const USAGE_SOURCES = ['upstream', 'estimated'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

/** Budget periods; only the calendar month, UTC (DESIGN.md §5 "Admin API"). */
export const BUDGET_PERIODS = ['month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export const IDEMPOTENCY_STATES = ['in_flight', 'done'] as const;
export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[number];

function inList(column: string, values: readonly string[]) {
  return sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`);
}

/** Client API keys. The secret itself is never stored: its SHA-256 and a display prefix are. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    /** `key_` + 16 base64url characters; what the admin API and usage rows name. */
    id: text('id').primaryKey(),
    /** Lowercase hex SHA-256 of the full secret; the lookup at authentication. */
    secretSha256: text('secret_sha256').notNull().unique(),
    /** The secret's first characters (`dg-` + 6), shown in listings. */
    prefix: text('prefix').notNull(),
    name: text('name').notNull(),
    /** Model ids or aliases this key may request; null = any. JSON array. */
    allowedModels: text('allowed_models', { mode: 'json' }).$type<string[]>(),
    /** Requests per minute; null = unlimited. */
    rpm: integer('rpm'),
    /** Tokens (worst case at admission, actual after) per minute; null = unlimited. */
    tpm: integer('tpm'),
    /** Spend allowed per budget period, micro-USD; null = unlimited. */
    budgetMicroUsd: integer('budget_micro_usd'),
    budgetPeriod: text('budget_period', { enum: BUDGET_PERIODS }).notNull().default('month'),
    createdAtMs: integer('created_at_ms').notNull(),
    /** Set once by revocation; a revoked key never authenticates again. */
    revokedAtMs: integer('revoked_at_ms'),
  },
  (t) => [
    check('api_keys_budget_period', inList('budget_period', BUDGET_PERIODS)),
    check('api_keys_rpm', sql`${t.rpm} IS NULL OR ${t.rpm} > 0`),
    check('api_keys_tpm', sql`${t.tpm} IS NULL OR ${t.tpm} > 0`),
    check('api_keys_budget', sql`${t.budgetMicroUsd} IS NULL OR ${t.budgetMicroUsd} >= 0`),
  ],
);

/** One row per authenticated, validated request, keyed by the gateway request id (DESIGN.md §5). */
export const usageEvents = sqliteTable(
  'usage_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The gateway's `x-request-id`; UNIQUE so a retried write never double-counts. */
    requestId: text('request_id').notNull().unique(),
    /** null only when the gateway runs without API keys. */
    keyId: text('key_id').references(() => apiKeys.id),
    /** Body `model` as the client sent it (an alias such as `auto`, or a served id). */
    requestedModel: text('requested_model').notNull(),
    /** The model that answered; null when no target answered. */
    servedModel: text('served_model'),
    servedModelVersion: text('served_model_version'),
    route: text('route', { enum: ROUTES }),
    /** The upstream pool member that answered; null on the edge route or when none answered. */
    upstreamMember: text('upstream_member'),
    stream: integer('stream', { mode: 'boolean' }).notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    usageSource: text('usage_source', { enum: USAGE_SOURCES }).notNull(),
    /** What the customer is charged: served tokens × the served model's price. */
    costMicroUsd: integer('cost_micro_usd').notNull(),
    /** Not charged: student drafts of escalated requests, shadow runs (DESIGN.md §5). */
    internalCostMicroUsd: integer('internal_cost_micro_usd').notNull().default(0),
    latencyMs: integer('latency_ms').notNull(),
    /** Time to first token; null when none was produced. */
    ttftMs: integer('ttft_ms'),
    status: text('status', { enum: USAGE_STATUSES }).notNull(),
    /** The routing policy that chose the route (`rules`, `cascade`, `learned`); null outside routed aliases. */
    routingPolicy: text('routing_policy'),
    /** The policy's score: the cascade's confidence, or the learned router's predicted quality; null when none was computed. */
    confidence: real('confidence'),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [
    index('usage_events_key_created').on(t.keyId, t.createdAtMs),
    index('usage_events_created').on(t.createdAtMs),
    check('usage_events_route', sql`${t.route} IS NULL OR ${inList('route', ROUTES)}`),
    check('usage_events_status', inList('status', USAGE_STATUSES)),
    check('usage_events_usage_source', inList('usage_source', USAGE_SOURCES)),
    check(
      'usage_events_counts',
      sql`${t.promptTokens} >= 0 AND ${t.completionTokens} >= 0 AND ${t.costMicroUsd} >= 0 AND ${t.internalCostMicroUsd} >= 0 AND ${t.latencyMs} >= 0`,
    ),
  ],
);

/** Each upstream/edge attempt of a request (DESIGN.md §5: `usage_attempts(request_id, n, member, outcome, latency_ms)`). */
export const usageAttempts = sqliteTable(
  'usage_attempts',
  {
    requestId: text('request_id')
      .notNull()
      .references(() => usageEvents.requestId, { onDelete: 'cascade' }),
    /** 1 for the first attempt. */
    n: integer('n').notNull(),
    /** Upstream member name, or `edge:<model id>`. */
    member: text('member').notNull(),
    /** The attempt's typed result as the router names it (`ok`, `timeout`, `http_503`, …). */
    outcome: text('outcome').notNull(),
    latencyMs: integer('latency_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.n] })],
);

/** Editable list prices; seeded from config `metering.prices`, then owned by the admin API. */
export const modelPrices = sqliteTable(
  'model_prices',
  {
    model: text('model').primaryKey(),
    /** Micro-USD per 1M prompt tokens (= USD per 1M × 10⁶), so cost = tokens × this / 10⁶. */
    inputMicroUsdPerMTok: integer('input_micro_usd_per_mtok').notNull(),
    /** Micro-USD per 1M completion tokens. */
    outputMicroUsdPerMTok: integer('output_micro_usd_per_mtok').notNull(),
    updatedAtMs: integer('updated_at_ms').notNull(),
  },
  (t) => [check('model_prices_non_negative', sql`${t.inputMicroUsdPerMTok} >= 0 AND ${t.outputMicroUsdPerMTok} >= 0`)],
);

/**
 * Current-period spend per key: the truth for reservations on Node (DESIGN.md §5). `period` is the
 * calendar month UTC, `YYYY-MM`. Admission reserves the worst case into `reserved_micro_usd`;
 * completion moves the actual cost into `spent_micro_usd`.
 */
export const spendCounters = sqliteTable(
  'spend_counters',
  {
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    period: text('period').notNull(),
    spentMicroUsd: integer('spent_micro_usd').notNull().default(0),
    reservedMicroUsd: integer('reserved_micro_usd').notNull().default(0),
    updatedAtMs: integer('updated_at_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.period] }), check('spend_counters_reserved', sql`${t.reservedMicroUsd} >= 0`)],
);

/**
 * `Idempotency-Key` records, scope (API key, Idempotency-Key), kept 24 h (DESIGN.md §5). A `done`
 * record holds the response to replay: a JSON body, or the SSE event list.
 */
export const idempotencyRecords = sqliteTable(
  'idempotency_records',
  {
    /** The API key's id (the gateway's fixed scope when it runs without keys). */
    keyId: text('key_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    /** Lowercase hex SHA-256 of the request body; a different body under the same key → 400. */
    bodySha256: text('body_sha256').notNull(),
    /** The gateway request id that owns the record (the first request). */
    requestId: text('request_id').notNull(),
    state: text('state', { enum: IDEMPOTENCY_STATES }).notNull(),
    /** An in-flight record whose owner died is taken over after this. */
    leaseExpiresAtMs: integer('lease_expires_at_ms').notNull(),
    responseStatus: integer('response_status'),
    /** JSON object of header name → value. */
    responseHeaders: text('response_headers', { mode: 'json' }).$type<Record<string, string>>(),
    responseKind: text('response_kind', { enum: ['json', 'sse'] }),
    /** `json`: the body text; `sse`: a JSON array of the events' `data` payloads, in order. */
    responseBody: text('response_body'),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.keyId, t.idempotencyKey] }),
    index('idempotency_records_expires').on(t.expiresAtMs),
    check('idempotency_records_state', inList('state', IDEMPOTENCY_STATES)),
  ],
);

/**
 * Prompts of requests the pool served, captured for the distillation job when the operator opts in
 * (config `distill.capturePrompts`; DESIGN.md §1 "prompts + logged teacher traffic"). Holds prompt
 * text: off by default, and never written to logs.
 */
export const capturedPrompts = sqliteTable(
  'captured_prompts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The gateway request id; UNIQUE so a retried write stores one row. */
    requestId: text('request_id').notNull().unique(),
    keyId: text('key_id'),
    /** The model that served it (the pool member's model id). */
    servedModel: text('served_model').notNull(),
    endpoint: text('endpoint', { enum: ['chat.completions', 'completions'] }).notNull(),
    /** JSON: `{"messages": […]}` or `{"prompt": …}` as the client sent them. */
    body: text('body').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [index('captured_prompts_created').on(t.createdAtMs)],
);

/** How a shadow run ended: measured, dropped (the edge was busy: lowest priority) or failed. */
export const SHADOW_STATUSES = ['recorded', 'dropped', 'failed'] as const;
export type ShadowStatus = (typeof SHADOW_STATUSES)[number];

/**
 * Shadow traffic (router, issue 8 §2): a sampled request on a routed alias answered by both models
 * at T = 0 after its response, the student's answer judged against the teacher's. Calibration
 * weights each record by 1 / `sample_rate`. Qualities are in [0, 1]; scores in their policy's units.
 */
export const shadowRecords = sqliteTable(
  'shadow_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The shadowed request; UNIQUE: one shadow run per request. */
    requestId: text('request_id').notNull().unique(),
    alias: text('alias').notNull(),
    policy: text('policy').notNull(),
    /** The share the request was sampled at, (0, 1]. */
    sampleRate: real('sample_rate').notNull(),
    /** Where the request itself was served. */
    servedRoute: text('served_route', { enum: ROUTES }),
    /** The rule that decided the request's route (`needs:tools`, `key_override`…); null when the policy decided. Calibration reads only the latter. */
    rule: text('rule'),
    status: text('status', { enum: SHADOW_STATUSES }).notNull(),
    /** Why a run was dropped or failed. */
    detail: text('detail'),
    studentModel: text('student_model'),
    studentVersion: text('student_version'),
    teacherModel: text('teacher_model'),
    /** The cascade score of the student's first K greedy tokens; null for an empty draft. */
    cascadeScore: real('cascade_score'),
    /** The learned router's predicted quality, when the alias has a model. */
    learnedScore: real('learned_score'),
    /**
     * The request's raw prompt-feature vector (router `prompt-features.ts`, layout 1, 64 hash
     * buckets) as JSON: what `npm run routing:train` fits the learned router on. Counts and shares
     * only, never the prompt's text.
     */
    promptFeatures: text('prompt_features', { mode: 'json' }).$type<number[]>(),
    /** Teacher-judged quality q of the student's answer. */
    qualityQ: real('quality_q'),
    qualityRougeL: real('quality_rouge_l'),
    /** Strict agreement over the first 16 tokens: 0 or 1. */
    qualityAgreement: integer('quality_agreement'),
    studentTokens: integer('student_tokens'),
    teacherTokens: integer('teacher_tokens'),
    /** What the shadow run cost (student draft + teacher answer + scoring), micro-USD; also added to the request's usage row. */
    internalCostMicroUsd: integer('internal_cost_micro_usd').notNull().default(0),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [
    index('shadow_records_alias').on(t.alias, t.id),
    check('shadow_records_status', inList('status', SHADOW_STATUSES)),
    check('shadow_records_sample_rate', sql`${t.sampleRate} > 0 AND ${t.sampleRate} <= 1`),
  ],
);

/** Each calibration of a routed alias's threshold (the newest is the active one after a restart). */
export const routingCalibrations = sqliteTable(
  'routing_calibrations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    alias: text('alias').notNull(),
    policy: text('policy').notNull(),
    /** `q`, `rouge_l` or `agreement`. */
    measure: text('measure').notNull(),
    target: real('target').notNull(),
    /** null: no threshold meets the target (every request to the teacher). */
    threshold: real('threshold'),
    edgeShare: real('edge_share').notNull(),
    quality: real('quality').notNull(),
    records: integer('records').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [index('routing_calibrations_alias').on(t.alias, t.id)],
);
