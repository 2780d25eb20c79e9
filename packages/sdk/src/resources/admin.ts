/**
 * `client.admin`: the admin API under `/admin/v1` (keys with their limits and budgets, prices,
 * usage, models, routing), typed from its OpenAPI document (generated/admin-api.ts). Needs the client's
 * `adminToken`. Every method throws APIError subclasses (BadRequestError with `param`,
 * AuthenticationError, NotFoundError `key_not_found`/`price_not_found`, InternalServerError 503
 * `admin_disabled`), APIConnectionError or APIUserAbortError.
 */
import type { APIPromise } from '../api-promise.ts';
import type { ApiRequest, Core, RequestOptions } from '../core.ts';
import type { components } from '../generated/admin-api.ts';
import { type UsageAggregateQuery, type UsageQuery, usageQueryParams } from './usage.ts';

type Schemas = components['schemas'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type CreateKeyRequest = Schemas['CreateKeyRequest'];
export type UpdateKeyRequest = Schemas['UpdateKeyRequest'];
export type ModelPrice = Schemas['ModelPrice'];
export type PutPriceRequest = Schemas['PutPriceRequest'];
export type AdminModel = Schemas['AdminModel'];
export type RoutingAlias = Schemas['RoutingAlias'];

const admin = (method: ApiRequest['method'], path: string, extra: Partial<ApiRequest> = {}): ApiRequest => ({
  method,
  path: `/admin/v1${path}`,
  auth: 'admin',
  ...extra,
});
const segment = (id: string) => encodeURIComponent(id);

/** API keys, their limits (`rpm`, `tpm`, `allowed_models`) and budgets (`budget_micro_usd` per UTC month). */
export class AdminKeys {
  constructor(private readonly core: Core) {}

  /** Keys, oldest first, each with its current-period spend; never a secret. */
  list(query: { include_revoked?: boolean } = {}, options?: RequestOptions): APIPromise<Schemas['ApiKeyList']> {
    return this.core.json(admin('GET', '/keys', { query }), options);
  }

  /**
   * Creates a key; `secret` is in this answer only. Not retried unless `maxRetries` says so: the
   * gateway does not deduplicate key creation, so a retry after a lost answer would make two keys.
   */
  create(body: CreateKeyRequest, options?: RequestOptions): APIPromise<CreatedApiKey> {
    return this.core.json(admin('POST', '/keys', { body }), { maxRetries: 0, ...options });
  }

  retrieve(id: string, options?: RequestOptions): APIPromise<ApiKey> {
    return this.core.json(admin('GET', `/keys/${segment(id)}`), options);
  }

  /** Changes the name, limits or budget (micro-USD); `null` removes a limit; absent fields stay. */
  update(id: string, body: UpdateKeyRequest, options?: RequestOptions): APIPromise<ApiKey> {
    return this.core.json(admin('PATCH', `/keys/${segment(id)}`, { body }), options);
  }

  /** Revokes for good (its next request gets 401); revoking again keeps the first time. */
  revoke(id: string, options?: RequestOptions): APIPromise<ApiKey> {
    return this.core.json(admin('POST', `/keys/${segment(id)}/revoke`), options);
  }
}

/** Prices per served model, in integer micro-USD per 1M tokens. */
export class AdminPrices {
  constructor(private readonly core: Core) {}

  list(options?: RequestOptions): APIPromise<Schemas['ModelPriceList']> {
    return this.core.json(admin('GET', '/prices'), options);
  }

  /** @param model a served model id (may contain `/`) */
  retrieve(model: string, options?: RequestOptions): APIPromise<ModelPrice> {
    return this.core.json(admin('GET', `/prices/${model.split('/').map(segment).join('/')}`), options);
  }

  /** Sets the price requests admitted from now on pay. */
  set(model: string, body: PutPriceRequest, options?: RequestOptions): APIPromise<ModelPrice> {
    return this.core.json(admin('PUT', `/prices/${model.split('/').map(segment).join('/')}`, { body }), options);
  }
}

/** Every key's usage, with the internal fields (upstream member, internal cost). */
export class AdminUsage {
  constructor(private readonly core: Core) {}

  list(query: UsageAggregateQuery & { key_id?: string }, options?: RequestOptions): APIPromise<Schemas['AdminUsageAggregate']>;
  list(query?: UsageQuery & { key_id?: string }, options?: RequestOptions): APIPromise<Schemas['AdminUsageList']>;
  list(
    query: (UsageQuery | UsageAggregateQuery) & { key_id?: string } = {},
    options?: RequestOptions,
  ): APIPromise<Schemas['AdminUsageList'] | Schemas['AdminUsageAggregate']> {
    return this.core.json(admin('GET', '/usage', { query: usageQueryParams(query) }), options);
  }
}

/** Aliases, edge models (versions, channels, metrics) and upstream models. */
export class AdminModels {
  constructor(private readonly core: Core) {}

  list(options?: RequestOptions): APIPromise<Schemas['AdminModelList']> {
    return this.core.json(admin('GET', '/models'), options);
  }
}

/** Routed aliases (policy rules, cascade, learned): thresholds, calibration, canary, shadow counts. */
export class AdminRouting {
  constructor(private readonly core: Core) {}

  list(options?: RequestOptions): APIPromise<Schemas['RoutingAliasList']> {
    return this.core.json(admin('GET', '/routing'), options);
  }

  /**
   * Calibrates the alias's threshold and checks its edge model's canary from shadow records now.
   * @throws NotFoundError when `alias` is not a routed alias
   */
  calibrate(alias: string, options?: RequestOptions): APIPromise<RoutingAlias> {
    return this.core.json(admin('POST', `/routing/${segment(alias)}/calibrate`), options);
  }
}

export class Admin {
  readonly keys: AdminKeys;
  readonly prices: AdminPrices;
  readonly usage: AdminUsage;
  readonly models: AdminModels;
  readonly routing: AdminRouting;
  constructor(core: Core) {
    this.keys = new AdminKeys(core);
    this.prices = new AdminPrices(core);
    this.usage = new AdminUsage(core);
    this.models = new AdminModels(core);
    this.routing = new AdminRouting(core);
  }
}
