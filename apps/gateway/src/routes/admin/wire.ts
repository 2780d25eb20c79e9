/**
 * Stored objects → the admin API's wire shapes (packages/protocol admin-openapi.ts): snake_case,
 * units in names, and only the fields listed there — a key's secret hash never leaves `@distillgate/db`
 * (its `ApiKey` has none) and nothing here adds one. Also the admin API's own error answers.
 */
import type { ApiKey, ModelPrice, SpendSnapshot, UsageAggregate, UsageEvent, UsageGroupBy } from '@distillgate/db';

/** Who reads a usage answer: an admin sees internal fields (upstream member, internal cost); a key holder does not. */
export type UsageAudience = 'admin' | 'key';

export function apiKeyWire(key: ApiKey, spend: SpendSnapshot) {
  return {
    object: 'api_key' as const,
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: key.revokedAtMs === null ? ('active' as const) : ('revoked' as const),
    allowed_models: key.allowedModels,
    rpm: key.rpm,
    tpm: key.tpm,
    budget_micro_usd: key.budgetMicroUsd,
    budget_period: key.budgetPeriod,
    created_at_ms: key.createdAtMs,
    revoked_at_ms: key.revokedAtMs,
    spend: { period: spend.period, spent_micro_usd: spend.spentMicroUsd, reserved_micro_usd: spend.reservedMicroUsd },
  };
}

export function priceWire(price: ModelPrice) {
  return {
    object: 'model_price' as const,
    model: price.model,
    input_micro_usd_per_mtok: price.inputMicroUsdPerMTok,
    output_micro_usd_per_mtok: price.outputMicroUsdPerMTok,
    updated_at_ms: price.updatedAtMs,
  };
}

export function usageRowWire(row: UsageEvent, audience: UsageAudience) {
  const wire = {
    object: 'usage' as const,
    id: row.id,
    request_id: row.requestId,
    key_id: row.keyId,
    requested_model: row.requestedModel,
    served_model: row.servedModel,
    served_model_version: row.servedModelVersion,
    route: row.route,
    stream: row.stream,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    total_tokens: row.promptTokens + row.completionTokens,
    usage_source: row.usageSource,
    cost_micro_usd: row.costMicroUsd,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    status: row.status,
    created_at_ms: row.createdAtMs,
  };
  if (audience === 'key') return wire;
  return {
    ...wire,
    upstream_member: row.upstreamMember,
    internal_cost_micro_usd: row.internalCostMicroUsd,
    routing_policy: row.routingPolicy,
    confidence: row.confidence,
  };
}

function totalsWire(sums: Omit<UsageAggregate, 'group'>, audience: UsageAudience) {
  const wire = {
    requests: sums.requests,
    prompt_tokens: sums.promptTokens,
    completion_tokens: sums.completionTokens,
    total_tokens: sums.promptTokens + sums.completionTokens,
    cost_micro_usd: sums.costMicroUsd,
  };
  return audience === 'key' ? wire : { ...wire, internal_cost_micro_usd: sums.internalCostMicroUsd };
}

/** Groups and their totals; `totals` is computed from the groups, so it always equals their sum. */
export function aggregateWire(groupBy: UsageGroupBy, groups: UsageAggregate[], audience: UsageAudience) {
  const sums = sumFields(groups, ['requests', 'promptTokens', 'completionTokens', 'costMicroUsd', 'internalCostMicroUsd']);
  return {
    object: 'usage_aggregate' as const,
    group_by: groupBy,
    data: groups.map((g) => ({ group: g.group, ...totalsWire(g, audience) })),
    totals: totalsWire(sums, audience),
  };
}

/**
 * Field-wise sums of `rows` over `fields` (each row's numbers added up): the totals of a grouping,
 * computed from its groups so they always equal their sum.
 */
export function sumFields<K extends string>(rows: ReadonlyArray<Record<K, number>>, fields: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(fields.map((f) => [f, 0])) as Record<K, number>;
  for (const row of rows) for (const f of fields) out[f] += row[f];
  return out;
}

/** An admin API error in OpenAI's envelope, for codes outside the gateway's error table (`key_not_found`…). */
export function adminError(status: 404 | 503, code: string, message: string, param: string | null = null): Response {
  const type = status === 404 ? 'invalid_request_error' : 'server_error';
  return new Response(JSON.stringify({ error: { message, type, param, code } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** 503 for the routes that need the database when the gateway runs without metering (Workers today). */
export function meteringDisabled(): Response {
  return adminError(
    503,
    'metering_disabled',
    'This gateway runs without metering (no database): keys, prices and usage are not available.',
  );
}
