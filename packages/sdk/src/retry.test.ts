import { describe, expect, it } from 'vitest';
import { isRetryableStatus, RETRY_DEFAULTS, retryAfterMs, retryDelayMs } from './retry.ts';

const timing = { initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

describe('isRetryableStatus', () => {
  it.each([
    [408, null, true],
    [409, 'idempotency_key_in_flight', true],
    [409, null, false],
    [429, 'rate_limit_exceeded', true],
    [429, 'edge_overloaded', true],
    [429, 'insufficient_quota', false],
    [500, null, true],
    [503, 'model_unavailable', true],
    [400, 'invalid_value', false],
    [401, 'invalid_api_key', false],
    [413, 'request_too_large', false],
  ])('%i %s → %s', (status, code, expected) => {
    expect(isRetryableStatus(status, code)).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms first, then retry-after seconds or an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
  });
});

describe('retryDelayMs', () => {
  it('honours Retry-After exactly, and gives up past maxRetryAfterMs', () => {
    expect(retryDelayMs(0, new Headers({ 'retry-after': '1' }), timing, 0.9)).toBe(1_000);
    expect(retryDelayMs(0, new Headers({ 'retry-after': '61' }), timing)).toBeNull();
  });

  it('backs off exponentially with up to 25 % jitter, capped', () => {
    expect(retryDelayMs(0, undefined, timing, 0)).toBe(500);
    expect(retryDelayMs(1, undefined, timing, 0)).toBe(1_000);
    expect(retryDelayMs(1, undefined, timing, 0.999)).toBeGreaterThan(750);
    expect(retryDelayMs(10, new Headers(), timing, 0)).toBe(8_000);
    expect(RETRY_DEFAULTS.maxRetries).toBe(2);
  });
});
