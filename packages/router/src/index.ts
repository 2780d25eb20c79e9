export * from './failover.ts';
export * from './logger.ts';
export * from './targets.ts';
export * from './upstream/failure.ts';
export * from './upstream/openai-compatible.ts';
export { parseRetryAfterMs } from './upstream/retry-after.ts';
export {
  type FetchLike,
  type HttpRequestInit,
  type HttpResponseLike,
  type ResponseBody,
  type TimedFetchOptions,
  type TimedResponse,
  timedFetch,
} from './upstream/timed-fetch.ts';
