import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './retry-after.ts';

const NOW_MS = Date.parse('2026-03-01T12:00:00Z');
const parse = (headers: Record<string, string>, capMs?: number) => parseRetryAfterMs(new Headers(headers), NOW_MS, capMs);

describe('parseRetryAfterMs', () => {
  it('is undefined without either header', () => {
    expect(parse({})).toBeUndefined();
  });

  it('reads retry-after-ms first, rounding fractions', () => {
    expect(parse({ 'retry-after-ms': '1500', 'retry-after': '7' })).toBe(1500);
    expect(parse({ 'retry-after-ms': '250.6' })).toBe(251);
    expect(parse({ 'retry-after-ms': ' 40 ' })).toBe(40);
    expect(parse({ 'retry-after-ms': '0' })).toBe(0);
  });

  it('falls back to retry-after when retry-after-ms is unusable', () => {
    expect(parse({ 'retry-after-ms': 'abc', 'retry-after': '7' })).toBe(7000);
    expect(parse({ 'retry-after-ms': '-5', 'retry-after': '7' })).toBe(7000);
    expect(parse({ 'retry-after-ms': '', 'retry-after': '7' })).toBe(7000);
    expect(parse({ 'retry-after-ms': 'abc' })).toBeUndefined();
  });

  it('reads retry-after as delta-seconds', () => {
    expect(parse({ 'retry-after': '2' })).toBe(2000);
    expect(parse({ 'retry-after': ' 3 ' })).toBe(3000);
    expect(parse({ 'retry-after': '0' })).toBe(0);
  });

  it('reads retry-after as an HTTP date, relative to now, never negative', () => {
    expect(parse({ 'retry-after': new Date(NOW_MS + 30_000).toUTCString() })).toBe(30_000);
    expect(parse({ 'retry-after': 'Sun, 01 Mar 2026 12:00:45 GMT' })).toBe(45_000);
    expect(parse({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBe(0);
  });

  it('ignores garbage', () => {
    for (const value of ['soon', '12abc', '1e3', '', 'NaN']) expect(parse({ 'retry-after': value }), value).toBeUndefined();
  });

  it('caps every form at capMs (default 10 minutes)', () => {
    expect(parse({ 'retry-after': '86400' })).toBe(600_000);
    expect(parse({ 'retry-after-ms': '9999999' })).toBe(600_000);
    expect(parse({ 'retry-after': new Date(NOW_MS + 3_600_000).toUTCString() })).toBe(600_000);
    expect(parse({ 'retry-after': '30' }, 5_000)).toBe(5_000);
    expect(parse({ 'retry-after-ms': '8000' }, 5_000)).toBe(5_000);
  });
});
