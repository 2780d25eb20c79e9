import { describe, expect, it } from 'vitest';
import { RateWindows, rateLimitHeaders, WINDOW_MS } from './rate-window.ts';

describe('RateWindows', () => {
  it('admits up to rpm in a window and names when the oldest request leaves', () => {
    let now = 1_000_000;
    const w = new RateWindows(() => now);
    const limits = { rpm: 2, tpm: null };
    expect(w.admit('k', limits, 10).ok).toBe(true);
    now += 1000;
    expect(w.admit('k', limits, 10).ok).toBe(true);
    const refused = w.admit('k', limits, 10);
    expect(refused).toMatchObject({ ok: false, kind: 'requests', retryAfterMs: WINDOW_MS - 1000 });
    expect(w.admit('other', limits, 10).ok).toBe(true); // per key
    now += WINDOW_MS - 1000;
    expect(w.admit('k', limits, 10).ok).toBe(true);
  });

  it('counts worst-case tokens until settled to the actual count', () => {
    let now = 0;
    const w = new RateWindows(() => now);
    const limits = { rpm: null, tpm: 100 };
    const a = w.admit('k', limits, 80);
    expect(a.ok).toBe(true);
    const refused = w.admit('k', limits, 30);
    expect(refused).toMatchObject({ ok: false, kind: 'tokens', retryAfterMs: WINDOW_MS });
    if (a.ok) w.settle(a.ticket, 20); // the answer was short
    expect(w.admit('k', limits, 30).ok).toBe(true);
    now += 5;
    expect(w.admit('k', limits, 101)).toMatchObject({ ok: false, kind: 'tokens', retryAfterMs: WINDOW_MS });
    expect(w.admit('k', limits, 0).ok).toBe(true); // an explicit 0 is a count, not "missing"
  });

  it('writes OpenAI x-ratelimit headers only for the limits a key has', () => {
    const w = new RateWindows(() => 0);
    const d = w.admit('k', { rpm: 5, tpm: null }, 7);
    expect(rateLimitHeaders(d.snapshot)).toEqual({
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '4',
      'x-ratelimit-reset-requests': '60s',
    });
  });
});
