/**
 * `GET /admin/v1/stats` (the dashboard's data): its query parsing and the schemas of its answer,
 * which admin-openapi.ts adds to the admin document. Sums per UTC hour or day × route, per key, per
 * served model and per route, each with the teacher-only cost of the same traffic; latency and
 * time-to-first-token p50/p99 per route (nearest rank over the `ok` rows). Every grouping covers
 * every matching row once, so each grouping's sum equals `totals`, and `totals` equals the sums
 * over the usage rows.
 */

import { parseUsageQuery, USAGE_ROUTES } from './admin-requests.ts';
import { errors } from './errors.ts';
import { closed, constant, int, nullable, ref, type Schema } from './openapi-builders.ts';

/** `bucket=`: the series' bucket width, a UTC hour or day. */
export const STATS_BUCKETS = ['hour', 'day'] as const;
export type StatsBucketName = (typeof STATS_BUCKETS)[number];

/** A parsed stats query. */
export interface StatsQuery {
  key_id?: string;
  /** Served model id. */
  model?: string;
  /** Inclusive. @unit ms since the Unix epoch */
  since?: number;
  /** Exclusive. @unit ms since the Unix epoch */
  until?: number;
  /** @default 'day' */
  bucket: StatsBucketName;
  /** The model whose price prices the teacher-only cost; absent → the gateway's default. */
  teacher?: string;
}

/** Usage-query parameters that mean nothing here (the answer covers every route and status, unpaged). */
const NOT_HERE = ['limit', 'before_id', 'group_by', 'route', 'status'] as const;

/**
 * Parses `GET /admin/v1/stats`'s query: `key_id`, `model`, `since`, `until` as `GET /admin/v1/usage`
 * reads them, plus `bucket` and `teacher`.
 * @param query the query parameters, first value of each
 * @throws {GatewayError} 400 `invalid_value` with `param`
 */
export function parseStatsQuery(query: Record<string, string>): StatsQuery {
  const { bucket = 'day', teacher, ...rest } = query;
  for (const param of NOT_HERE) {
    if (rest[param] !== undefined) throw errors.invalidValue(param, `'${param}' is not a parameter of GET /admin/v1/stats.`);
  }
  if (!(STATS_BUCKETS as readonly string[]).includes(bucket)) {
    throw errors.invalidValue('bucket', `Invalid value for 'bucket': expected one of ${STATS_BUCKETS.map((b) => `'${b}'`).join(', ')}.`);
  }
  if (teacher !== undefined && (teacher.length === 0 || teacher.length > 256)) {
    throw errors.invalidValue('teacher', "Invalid value for 'teacher': a model id is 1–256 characters.");
  }
  const { key_id, model, since, until } = parseUsageQuery(rest, 'admin');
  if (since !== undefined && until !== undefined && since >= until) {
    throw errors.invalidValue('until', "'until' must be later than 'since'.");
  }
  return {
    bucket: bucket as StatsBucketName,
    ...(key_id !== undefined ? { key_id } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(teacher !== undefined ? { teacher } : {}),
  };
}

const sumsProperties: Record<string, Schema> = {
  requests: int('rows'),
  prompt_tokens: int('tokens'),
  completion_tokens: int('tokens'),
  total_tokens: int('tokens'),
  cost_micro_usd: int('Charged to customers, micro-USD.'),
  internal_cost_micro_usd: int('Not charged (student drafts of escalated requests, shadow runs), micro-USD.'),
  cascade_requests: int('Requests a cascade routed (the escalation rate is escalated ÷ these).'),
  teacher_only_cost_micro_usd: int(
    'What the same rows would have cost served by the teacher at its configured price: per row ⌈(prompt × input + completion × output) / 10⁶⌉, micro-USD; 0 without a teacher price.',
  ),
};
const routeProperty: Schema = { type: ['string', 'null'], enum: [...USAGE_ROUTES, null], description: 'null for rows no target served.' };
const ms = (what: string) => nullable('integer', `${what}, ms (nearest rank); null without a sample.`);

/** Component schemas of the stats answer, merged into the admin document's `components.schemas`. */
export const statsSchemas: Record<string, Schema> = {
  StatsTotals: closed(sumsProperties, 'Sums over every matching row.'),
  StatsSeriesPoint: closed(
    { bucket_start_ms: int('Start of the UTC hour or day, ms since the Unix epoch.'), route: routeProperty, ...sumsProperties },
    'One time bucket × route; buckets without rows are absent.',
  ),
  StatsGroup: closed({ group: nullable('string', 'The key id, served model id or route; null for rows without one.'), ...sumsProperties }),
  RouteLatency: closed(
    {
      route: routeProperty,
      requests: int('`ok` rows of the route: the latency sample.'),
      latency_p50_ms: ms('Arrival to last byte, 50th percentile'),
      latency_p99_ms: ms('Arrival to last byte, 99th percentile'),
      ttft_requests: int('`ok` rows with a time to first token: the TTFT sample.'),
      ttft_p50_ms: ms('Time to first token, 50th percentile'),
      ttft_p99_ms: ms('Time to first token, 99th percentile'),
    },
    'Nearest-rank percentiles (the value at rank ⌈p/100 × n⌉ of the sorted sample) over the route’s `ok` rows.',
  ),
  TeacherPrice: closed(
    {
      model: { type: 'string' },
      input_micro_usd_per_mtok: int('micro-USD per 1M prompt tokens'),
      output_micro_usd_per_mtok: int('micro-USD per 1M completion tokens'),
    },
    'The price the teacher-only cost uses.',
  ),
  UsageStats: closed(
    {
      object: constant('usage_stats'),
      bucket: { type: 'string', enum: [...STATS_BUCKETS] },
      since_ms: nullable('integer', 'The query’s inclusive lower bound, ms since the Unix epoch; null = none.'),
      until_ms: nullable('integer', 'The query’s exclusive upper bound, ms since the Unix epoch; null = none.'),
      teacher: { oneOf: [ref('TeacherPrice'), { type: 'null' }], description: 'null when no teacher model has a price.' },
      totals: ref('StatsTotals'),
      series: { type: 'array', items: ref('StatsSeriesPoint'), description: 'By bucket, then route.' },
      by_key: { type: 'array', items: ref('StatsGroup'), description: 'By key id.' },
      by_model: { type: 'array', items: ref('StatsGroup'), description: 'By served model id.' },
      by_route: { type: 'array', items: ref('StatsGroup'), description: 'By route.' },
      latency: { type: 'array', items: ref('RouteLatency'), description: 'Routes with at least one `ok` row.' },
    },
    'Usage statistics from the usage rows; each grouping sums to `totals`.',
  ),
};

/** The query parameters of `GET /admin/v1/stats`. */
export const statsParameters = [
  { name: 'bucket', schema: { type: 'string', enum: [...STATS_BUCKETS], default: 'day' }, description: 'Series bucket: UTC hour or day.' },
  { name: 'key_id', schema: { type: 'string' }, description: 'One key.' },
  { name: 'model', schema: { type: 'string' }, description: 'Served model id.' },
  { name: 'since', schema: { type: 'string' }, description: 'Inclusive: ms since the Unix epoch, or ISO 8601.' },
  { name: 'until', schema: { type: 'string' }, description: 'Exclusive: ms since the Unix epoch, or ISO 8601.' },
  {
    name: 'teacher',
    schema: { type: 'string' },
    description: 'Model whose price gives the teacher-only cost; default: the first upstream model id with a price.',
  },
].map((p) => ({ ...p, in: 'query', required: false }));
