/**
 * The OpenAPI 3.1 document of the admin API (`/admin/v1/*`) and of `GET /v1/usage` (DESIGN.md §5
 * "Admin API"): what the SDK and the dashboard are typed from, served at
 * `GET /admin/v1/openapi.json`. Request bodies are generated from the zod schemas the gateway
 * parses with (admin-requests.ts); response bodies are written here, closed
 * (`additionalProperties: false`) so a test validating against them catches any extra field —
 * a secret or a hash included.
 *
 * Wire conventions: snake_case names carrying their unit; money in integer micro-USD
 * (`cost_micro_usd`), prices in integer micro-USD per 1M tokens (`input_micro_usd_per_mtok`),
 * times in ms since the Unix epoch (`created_at_ms`), durations in ms (`latency_ms`). Errors are
 * OpenAI's envelope (`ErrorResponse`).
 */
import {
  adminSessionRequestSchema,
  createKeyRequestSchema,
  putPriceRequestSchema,
  USAGE_GROUP_BYS,
  USAGE_LIMIT_DEFAULT,
  USAGE_LIMIT_MAX,
  USAGE_ROUTES,
  USAGE_STATUSES,
  updateKeyRequestSchema,
} from './admin-requests.ts';
import { routingSchemas } from './admin-routing.ts';
import { statsParameters, statsSchemas } from './admin-stats.ts';
import { closed, constant, fromZod, int, list, nullable, ref, type Schema } from './openapi-builders.ts';

/** The cookie `POST /admin/v1/session` sets. */
export const ADMIN_SESSION_COOKIE = 'distillgate_admin_session';

const apiKeyProperties: Record<string, Schema> = {
  object: constant('api_key'),
  id: { type: 'string', description: '`key_` + 16 base64url characters; what usage rows name.' },
  name: { type: 'string' },
  prefix: { type: 'string', description: "The secret's first characters (`dg-` + 6), for recognising a key; never the secret." },
  status: { type: 'string', enum: ['active', 'revoked'] },
  allowed_models: { type: ['array', 'null'], items: { type: 'string' }, description: 'Model ids or aliases allowed; null = any.' },
  rpm: nullable('integer', 'Requests per minute; null = unlimited.'),
  tpm: nullable('integer', 'Tokens per minute; null = unlimited.'),
  budget_micro_usd: nullable('integer', 'Spend allowed per budget period, micro-USD; null = unlimited.'),
  budget_period: { type: 'string', const: 'month', description: 'Calendar month, UTC.' },
  created_at_ms: int('ms since the Unix epoch'),
  revoked_at_ms: nullable('integer', 'ms since the Unix epoch; null while active.'),
  spend: ref('KeySpend'),
};

const usageRowProperties: Record<string, Schema> = {
  object: constant('usage'),
  id: int('Row id; pass the last one as `before_id` for the next page.', 1),
  request_id: { type: 'string', description: 'The x-request-id of the request.' },
  key_id: nullable('string', 'null when the gateway ran without API keys.'),
  requested_model: { type: 'string', description: 'Body `model` as sent (an alias or a served id).' },
  served_model: nullable('string', 'The model that answered; null when none did.'),
  served_model_version: nullable('string', 'Its version (x-distillgate-model).'),
  route: { type: ['string', 'null'], enum: [...USAGE_ROUTES, null] },
  stream: { type: 'boolean' },
  prompt_tokens: int('tokens'),
  completion_tokens: int('tokens'),
  total_tokens: int('tokens'),
  usage_source: { type: 'string', enum: ['upstream', 'estimated'], description: 'Counted by the model, or estimated by the gateway.' },
  cost_micro_usd: int('What the request is charged, micro-USD.'),
  latency_ms: int('Arrival to last byte, ms.'),
  ttft_ms: nullable('integer', 'Time to first token, ms; null when none was produced.'),
  status: { type: 'string', enum: [...USAGE_STATUSES] },
  created_at_ms: int('ms since the Unix epoch'),
};
const adminUsageRowProperties: Record<string, Schema> = {
  ...usageRowProperties,
  upstream_member: nullable('string', 'The pool member that answered; null on the edge route or when none answered.'),
  internal_cost_micro_usd: int('Not charged: student drafts of escalated requests, shadow runs; micro-USD.'),
  routing_policy: nullable('string', 'The routing policy that chose the route (rules, cascade, learned); null outside routed aliases.'),
  confidence: {
    type: ['number', 'null'],
    description:
      "The policy's score: the cascade's confidence (its signal's units) or the learned router's predicted quality; null when none was computed.",
  },
};

const totalsProperties: Record<string, Schema> = {
  requests: int('rows'),
  prompt_tokens: int('tokens'),
  completion_tokens: int('tokens'),
  total_tokens: int('tokens'),
  cost_micro_usd: int('micro-USD'),
};
const adminTotalsProperties: Record<string, Schema> = { ...totalsProperties, internal_cost_micro_usd: int('micro-USD') };
const groupProperty: Schema = nullable(
  'string',
  '`YYYY-MM-DD` (UTC) by day, the served model id by model, the route by route; null for rows without one.',
);

function aggregate(groupSchema: string, totalsSchema: string): Schema {
  return closed(
    {
      object: constant('usage_aggregate'),
      group_by: { type: 'string', enum: [...USAGE_GROUP_BYS] },
      data: { type: 'array', items: ref(groupSchema), description: 'Ordered by group (days ascending).' },
      totals: ref(totalsSchema),
    },
    'Sums per group over every matching row; `totals` is the sum of `data`.',
  );
}
function page(rowSchema: string): Schema {
  return closed(
    {
      object: constant('list'),
      data: { type: 'array', items: ref(rowSchema), description: 'Newest first.' },
      has_more: { type: 'boolean' },
      next_before_id: nullable('integer', 'Pass as `before_id` for the next page; null on the last page.'),
    },
    'One page of usage rows.',
  );
}

const edgeModel = closed({
  object: constant('model'),
  id: { type: 'string' },
  kind: constant('edge'),
  status: { type: 'string', enum: ['not_loaded', 'loading', 'ready', 'unavailable'] },
  version: nullable('string', 'The live version (channels.json `live`, manifest `version`); null until known.'),
  context_length: nullable('integer', 'Tokens, from the live manifest.'),
  error: nullable('string', 'Why the model is unavailable.'),
  channels: {
    type: ['object', 'null'],
    properties: {
      live: nullable('string', 'version folder'),
      canary: {
        type: ['object', 'null'],
        properties: { version: { type: 'string', description: 'version folder' }, share: { type: 'number', minimum: 0, maximum: 1 } },
        required: ['version', 'share'],
        additionalProperties: false,
        description: 'The canary version and its share of requests, or null.',
      },
    },
    required: ['live', 'canary'],
    additionalProperties: false,
    description: 'channels.json, where the gateway can read it (Node); null otherwise.',
  },
  versions: {
    type: 'array',
    items: ref('EdgeModelVersion'),
    description: "Version folders with a manifest.json (Node); [] where they can't be read.",
  },
});
const edgeModelVersion = closed({
  version: { type: 'string' },
  channel: { type: ['string', 'null'], enum: ['live', 'canary', null] },
  created_at: nullable('string', 'ISO 8601, from the manifest.'),
  parameter_count: nullable('integer', 'From the manifest.'),
  context_length: nullable('integer', 'tokens'),
  metrics: {
    type: 'object',
    additionalProperties: { type: 'number' },
    description: "The manifest's measured metrics by name (`test_perplexity`, `test_top1_accuracy`, …): their `value`s.",
  },
});
const upstreamModel = closed({
  object: constant('model'),
  id: { type: 'string' },
  kind: constant('upstream'),
  members: {
    type: 'array',
    items: closed({ upstream: { type: 'string' }, version: { type: 'string' }, context_length: int('tokens', 1) }),
    description: 'Every configured upstream serving this id.',
  },
});
const aliasModel = closed({
  object: constant('model'),
  id: { type: 'string' },
  kind: constant('alias'),
  policy: { type: 'string', enum: ['failover', 'pool'] },
  targets: {
    type: 'array',
    items: {
      oneOf: [
        closed({ upstream: { type: 'string' }, model: nullable('string', 'the upstream model id; null = the alias') }),
        closed({ edge: { type: 'string' } }),
      ],
    },
  },
});

const errorResponse = closed({
  error: closed({
    message: { type: 'string' },
    type: { type: 'string' },
    param: nullable('string', 'The offending field, e.g. `budget_micro_usd`.'),
    code: nullable('string', 'e.g. invalid_value, missing_required_parameter, invalid_api_key, key_not_found, admin_disabled'),
  }),
});

const schemas: Record<string, Schema> = {
  ErrorResponse: errorResponse,
  AdminSessionRequest: fromZod(adminSessionRequestSchema),
  AdminSession: closed({ object: constant('admin_session'), expires_at_ms: int('ms since the Unix epoch') }),
  CreateKeyRequest: fromZod(createKeyRequestSchema),
  UpdateKeyRequest: fromZod(updateKeyRequestSchema),
  KeySpend: closed(
    {
      period: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'The current budget period, `YYYY-MM` (UTC).' },
      spent_micro_usd: int('Settled spend this period.'),
      reserved_micro_usd: int('Held by requests in flight.'),
    },
    "The key's current-period spend (the budget's truth, not a sum of usage rows).",
  ),
  ApiKey: closed(apiKeyProperties, 'An API key as listed: never its secret or hash.'),
  CreatedApiKey: closed(
    { ...apiKeyProperties, secret: { type: 'string', description: 'The bearer secret, shown here once: only its hash is stored.' } },
    'The answer to POST /admin/v1/keys.',
  ),
  ApiKeyList: list('ApiKey', 'Oldest first.'),
  PutPriceRequest: fromZod(putPriceRequestSchema),
  ModelPrice: closed({
    object: constant('model_price'),
    model: { type: 'string' },
    input_micro_usd_per_mtok: int('micro-USD per 1M prompt tokens'),
    output_micro_usd_per_mtok: int('micro-USD per 1M completion tokens'),
    updated_at_ms: int('ms since the Unix epoch'),
  }),
  ModelPriceList: list('ModelPrice', 'By model id.'),
  UsageRow: closed(usageRowProperties, 'One request, as its key holder sees it.'),
  AdminUsageRow: closed(adminUsageRowProperties, 'One request, with the internal fields.'),
  UsageList: page('UsageRow'),
  AdminUsageList: page('AdminUsageRow'),
  UsageTotals: closed(totalsProperties),
  AdminUsageTotals: closed(adminTotalsProperties),
  UsageGroup: closed({ group: groupProperty, ...totalsProperties }),
  AdminUsageGroup: closed({ group: groupProperty, ...adminTotalsProperties }),
  UsageAggregate: aggregate('UsageGroup', 'UsageTotals'),
  AdminUsageAggregate: aggregate('AdminUsageGroup', 'AdminUsageTotals'),
  EdgeModel: edgeModel,
  EdgeModelVersion: edgeModelVersion,
  UpstreamModel: upstreamModel,
  AliasModel: aliasModel,
  AdminModel: { oneOf: [ref('EdgeModel'), ref('UpstreamModel'), ref('AliasModel')] },
  AdminModelList: list('AdminModel', 'Aliases, edge models, then upstream model ids.'),
  ...routingSchemas,
  ...statsSchemas,
};

const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const errorsFor = (...statuses: Array<'400' | '401' | '404' | '503'>) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { $ref: `#/components/responses/${{ 400: 'BadRequest', 401: 'Unauthorized', 404: 'NotFound', 503: 'AdminDisabled' }[s]}` },
    ]),
  );
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const queryParam = (name: string, schema: Schema, description: string) => ({ name, in: 'query', required: false, schema, description });

const usageParameters = [
  queryParam('model', { type: 'string' }, 'Served model id.'),
  queryParam('route', { type: 'string', enum: [...USAGE_ROUTES] }, ''),
  queryParam('status', { type: 'string', enum: [...USAGE_STATUSES] }, ''),
  queryParam('since', { type: 'string' }, 'Inclusive: ms since the Unix epoch, or ISO 8601.'),
  queryParam('until', { type: 'string' }, 'Exclusive: ms since the Unix epoch, or ISO 8601.'),
  queryParam(
    'limit',
    { type: 'integer', minimum: 1, maximum: USAGE_LIMIT_MAX, default: USAGE_LIMIT_DEFAULT },
    'Rows per page (not with group_by).',
  ),
  queryParam(
    'before_id',
    { type: 'integer', minimum: 1 },
    'Rows with a smaller id: the previous page’s `next_before_id` (not with group_by).',
  ),
  queryParam('group_by', { type: 'string', enum: [...USAGE_GROUP_BYS] }, 'Aggregate instead of listing rows.'),
];
const admin = [{ adminToken: [] }, { adminSession: [] }];

/** The document (plain JSON data). */
export const adminOpenApi = {
  openapi: '3.1.0',
  info: {
    title: 'Distillgate admin API',
    version: '1.0.0',
    description:
      'Keys, prices, usage and models of a Distillgate gateway. Auth: `Authorization: Bearer $DISTILLGATE_ADMIN_TOKEN`, or the ' +
      `\`${ADMIN_SESSION_COOKIE}\` cookie from POST /admin/v1/session (12 h). Without DISTILLGATE_ADMIN_TOKEN every admin route answers 503 \`admin_disabled\`. ` +
      'Admin responses carry `cache-control: no-store`.',
  },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  security: admin,
  paths: {
    '/admin/v1/session': {
      post: {
        summary: 'Log in: exchange the admin token for an HttpOnly, SameSite=Strict session cookie (Path=/admin, 12 h)',
        security: [],
        requestBody: body('AdminSessionRequest'),
        responses: { 200: json(ref('AdminSession'), 'Set-Cookie carries the session.'), ...errorsFor('400', '401', '503') },
      },
      delete: {
        summary: 'Log out: the presented session stops working; the cookie is cleared',
        security: [],
        responses: { 204: { description: 'Logged out.' }, ...errorsFor('503') },
      },
    },
    '/admin/v1/keys': {
      get: {
        summary: "List keys (never their secrets) with each key's current-period spend",
        parameters: [queryParam('include_revoked', { type: 'boolean', default: true }, '`false` lists active keys only.')],
        responses: { 200: json(ref('ApiKeyList'), 'Keys, oldest first.'), ...errorsFor('400', '401', '503') },
      },
      post: {
        summary: 'Create a key; its secret is in this answer only',
        requestBody: body('CreateKeyRequest'),
        responses: { 201: json(ref('CreatedApiKey'), 'The new key and its secret.'), ...errorsFor('400', '401', '503') },
      },
    },
    '/admin/v1/keys/{id}': {
      parameters: [pathParam('id', 'key id')],
      get: { summary: 'One key', responses: { 200: json(ref('ApiKey'), 'The key.'), ...errorsFor('401', '404', '503') } },
      patch: {
        summary: 'Change name and limits; null removes a limit; a new budget applies to the next request',
        requestBody: body('UpdateKeyRequest'),
        responses: { 200: json(ref('ApiKey'), 'The updated key.'), ...errorsFor('400', '401', '404', '503') },
      },
    },
    '/admin/v1/keys/{id}/revoke': {
      parameters: [pathParam('id', 'key id')],
      post: {
        summary: 'Revoke for good (its next request gets 401); revoking again keeps the first time',
        responses: { 200: json(ref('ApiKey'), 'The revoked key.'), ...errorsFor('401', '404', '503') },
      },
    },
    '/admin/v1/prices': {
      get: { summary: 'Every model price', responses: { 200: json(ref('ModelPriceList'), 'Prices.'), ...errorsFor('401', '503') } },
    },
    '/admin/v1/prices/{model}': {
      parameters: [pathParam('model', 'served model id (may contain `/`)')],
      get: { summary: "A model's price", responses: { 200: json(ref('ModelPrice'), 'The price.'), ...errorsFor('401', '404', '503') } },
      put: {
        summary: "Set a model's price (requests admitted from now on pay it)",
        requestBody: body('PutPriceRequest'),
        responses: { 200: json(ref('ModelPrice'), 'The stored price.'), ...errorsFor('400', '401', '503') },
      },
    },
    '/admin/v1/usage': {
      get: {
        summary: 'Usage rows (newest first, paged by before_id) or, with group_by, sums per day / model / route',
        parameters: [queryParam('key_id', { type: 'string' }, 'One key.'), ...usageParameters],
        responses: {
          200: json({ oneOf: [ref('AdminUsageList'), ref('AdminUsageAggregate')] }, 'Rows, or aggregates with totals.'),
          ...errorsFor('400', '401', '503'),
        },
      },
    },
    '/admin/v1/stats': {
      get: {
        summary:
          'Usage statistics for the dashboard: sums per UTC hour or day × route, per key, model and route (with the teacher-only cost), latency and TTFT p50/p99 per route',
        parameters: statsParameters,
        responses: { 200: json(ref('UsageStats'), 'Statistics from the usage rows.'), ...errorsFor('400', '401', '503') },
      },
    },
    '/admin/v1/models': {
      get: {
        summary: 'Aliases, edge models (live version, channels, manifest metrics) and upstream models',
        responses: { 200: json(ref('AdminModelList'), 'Models.'), ...errorsFor('401', '503') },
      },
    },
    '/admin/v1/routing': {
      get: {
        summary: 'Routed aliases: policy, active threshold, last calibration, shadow counts',
        responses: { 200: json(ref('RoutingAliasList'), 'Routed aliases.'), ...errorsFor('401', '503') },
      },
    },
    '/admin/v1/routing/{alias}/calibrate': {
      post: {
        summary: "Calibrate the alias's threshold and check its edge model's canary from the shadow records now",
        parameters: [pathParam('alias', 'A routed alias')],
        responses: { 200: json(ref('RoutingAlias'), 'The alias after calibration.'), ...errorsFor('401', '404', '503') },
      },
    },
    '/admin/v1/openapi.json': {
      get: {
        summary: 'This document',
        responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': {} } }, ...errorsFor('401', '503') },
      },
    },
    '/v1/usage': {
      get: {
        summary: "The calling API key's own usage: rows or aggregates (same parameters as the admin route, without key_id)",
        security: [{ apiKey: [] }],
        parameters: usageParameters,
        responses: {
          200: json({ oneOf: [ref('UsageList'), ref('UsageAggregate')] }, 'Rows, or aggregates with totals.'),
          ...errorsFor('400', '401'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'DISTILLGATE_ADMIN_TOKEN' },
      adminSession: { type: 'apiKey', in: 'cookie', name: ADMIN_SESSION_COOKIE },
      apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`dg-…`).' },
    },
    responses: {
      BadRequest: json(ref('ErrorResponse'), '`invalid_value` / `missing_required_parameter` / `invalid_json`, with `param`.'),
      Unauthorized: json(ref('ErrorResponse'), '`invalid_api_key`: no, a wrong or an expired credential, or one in the query string.'),
      NotFound: json(ref('ErrorResponse'), '`key_not_found` / `price_not_found`.'),
      AdminDisabled: json(ref('ErrorResponse'), '`admin_disabled`: DISTILLGATE_ADMIN_TOKEN is not set.'),
    },
    schemas,
  },
} as const;
