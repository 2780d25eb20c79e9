/**
 * Reads how long an upstream asked us to wait: `retry-after-ms` (OpenAI's extension, ms) first,
 * then `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * @returns milliseconds from `nowMs`, capped at `capMs`; undefined when absent or unparsable
 */
export function parseRetryAfterMs(headers: { get(name: string): string | null }, nowMs = Date.now(), capMs = 600_000): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.min(capMs, Math.round(Number(ms)));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(capMs, Math.ceil(Number(trimmed) * 1000));
  // an HTTP date names a weekday and month; anything else (negative numbers, garbage) is ignored
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - nowMs));
}
