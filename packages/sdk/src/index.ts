/**
 * @distillgate/sdk — a typed, fetch-based client for the Distillgate gateway (Node ≥ 20, browsers,
 * Cloudflare Workers). See README.md.
 */
export type { WithResponse } from './api-promise.ts';
export { APIPromise } from './api-promise.ts';
export { Distillgate, Distillgate as default } from './client.ts';
export type { ApiRequest, ClientOptions, Fetch, RequestOptions } from './core.ts';
export { newIdempotencyKey } from './core.ts';
export type { ErrorCode, ErrorObject } from './errors.ts';
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  DistillgateError,
  InBandStreamError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTooLargeError,
  StreamError,
  StreamInterruptedError,
  UnsupportedMediaTypeError,
} from './errors.ts';
export type { DistillgateUsageExtension, GatewayMeta, Route } from './gateway-meta.ts';
export type { components as AdminComponents, paths as AdminPaths } from './generated/admin-api.ts';
export type {
  AdminModel,
  ApiKey,
  CreatedApiKey,
  CreateKeyRequest,
  ModelPrice,
  PutPriceRequest,
  RoutingAlias,
  UpdateKeyRequest,
} from './resources/admin.ts';
export type { TimeBound, UsageAggregate, UsageAggregateQuery, UsageList, UsageQuery, UsageRow } from './resources/usage.ts';
export { RETRY_DEFAULTS } from './retry.ts';
export { Stream } from './stream.ts';
export type * from './types/chat.ts';
export type * from './types/completions.ts';
export type * from './types/models.ts';
export type * from './types/shared.ts';
