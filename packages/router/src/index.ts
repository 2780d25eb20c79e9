export * from './failover.ts';
export * from './logger.ts';
export { balance } from './pool/balancer.ts';
export { fetchProbe, HealthChecker, type HealthProbe } from './pool/health-checker.ts';
export { type BreakerState, countsAgainstMember, MemberState } from './pool/member.ts';
export { UpstreamPool } from './pool/pool.ts';
export { fetchWaiting, parseWaiting, type WaitingScrape } from './pool/waiting-scrape.ts';
export * from './routing/calibration.ts';
export * from './routing/canary.ts';
export * from './routing/confidence.ts';
export * from './routing/learned.ts';
export * from './routing/pair.ts';
export * from './routing/plan.ts';
export * from './routing/prompt-features.ts';
export * from './routing/quality.ts';
export * from './routing/rules.ts';
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
