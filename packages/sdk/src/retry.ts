/**
 * The retry policy, in one place: which failures are retried, and how long to wait before the
 * next attempt. The client (core.ts) applies it; resources never retry on their own.
 */

/** Defaults of the retry policy. */
export const RETRY_DEFAULTS = {
  /** Retries after the first attempt (so at most 3 attempts). */
  maxRetries: 2,
  /** First backoff step. @unit ms */
  initialDelayMs: 500,
  /** Largest backoff step. @unit ms */
  maxDelayMs: 8_000,
  /** A Retry-After longer than this is not waited for: the error is thrown instead. @unit ms */
  maxRetryAfterMs: 60_000,
} as const;

/** Knobs of {@link retryDelayMs}. */
export interface RetryTiming {
  /** @unit ms */
  initialDelayMs: number;
  /** @unit ms */
  maxDelayMs: number;
  /** @unit ms */
  maxRetryAfterMs: number;
}

/**
 * Whether an HTTP error answer may succeed when sent again, unchanged.
 * @param code the envelope's `error.code`, when there is one
 */
export function isRetryableStatus(status: number, code: string | null): boolean {
  if (status === 408) return true; // request timeout: the server gave up waiting for us
  if (status === 409) return code === 'idempotency_key_in_flight'; // the first attempt still runs: its answer will be replayed
  if (status === 429) return code !== 'insufficient_quota'; // rate limits and overload pass; a spent budget does not
  return status >= 500; // gateway or upstream trouble
}

/**
 * How long the server asked us to wait: `retry-after-ms` (ms), else `retry-after` (seconds, or
 * an HTTP date). Null when neither is present and valid.
 * @param nowMs the current time, for HTTP dates @unit ms since the Unix epoch
 * @returns @unit ms, ≥ 0
 */
export function retryAfterMs(headers: Headers, nowMs = Date.now()): number | null {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/**
 * The wait before retry number `retry` (0-based). A server's Retry-After is honoured exactly (never
 * shortened: retrying early only meets the same refusal); without one, exponential backoff
 * `initialDelayMs × 2^retry` capped at `maxDelayMs`, minus up to 25 % jitter so that clients that
 * failed together do not retry together.
 * @param headers the failed answer's headers; undefined for a connection error
 * @param random a value in [0, 1) @default Math.random()
 * @returns the delay in ms, or null when the server asked for more than `maxRetryAfterMs` (give up)
 */
export function retryDelayMs(retry: number, headers: Headers | undefined, timing: RetryTiming, random = Math.random()): number | null {
  const asked = headers ? retryAfterMs(headers) : null;
  if (asked !== null) return asked <= timing.maxRetryAfterMs ? asked : null;
  const backoff = Math.min(timing.initialDelayMs * 2 ** retry, timing.maxDelayMs);
  return backoff * (1 - 0.25 * random);
}
