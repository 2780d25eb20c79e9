/**
 * @distillgate/protocol — the OpenAI wire contract shared by every part of the gateway:
 * the error table, request parsing, SSE encode/decode and finish-reason normalisation.
 */

export { ADMIN_SESSION_COOKIE, adminOpenApi } from './admin-openapi.ts';
export type { AdminSessionRequest, CreateKeyRequest, PutPriceRequest, UpdateKeyRequest, UsageQuery } from './admin-requests.ts';
export {
  parseAdminSessionRequest,
  parseCreateKeyRequest,
  parsePutPriceRequest,
  parseUpdateKeyRequest,
  parseUsageQuery,
  USAGE_GROUP_BYS,
  USAGE_LIMIT_DEFAULT,
  USAGE_LIMIT_MAX,
  USAGE_ROUTES,
  USAGE_STATUSES,
} from './admin-requests.ts';
export { parseStatsQuery, STATS_BUCKETS, type StatsBucketName, type StatsQuery } from './admin-stats.ts';

export type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatRole, ChatToolCall } from './chat.ts';
export { parseChatCompletionRequest } from './chat.ts';
export type { CompletionPrompt, CompletionRequest } from './completions.ts';
export { parseCompletionRequest } from './completions.ts';
export type { ErrorBody, ErrorCode, ErrorType, GatewayErrorInit } from './errors.ts';
export { errorResponse, errors, GatewayError } from './errors.ts';
export type { FinishReason, NormalizedFinishReason } from './finish-reason.ts';
export { normalizeFinishReason } from './finish-reason.ts';
export * from './prometheus.ts';
export type { CommonRequestFields, StreamOptions } from './request-fields.ts';
export type { SseFrame } from './sse.ts';
export { encodeSseData, readSseEvents, SSE_DONE } from './sse.ts';
