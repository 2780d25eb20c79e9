/**
 * Reads how long an upstream asked us to wait: `retry-after-ms` (OpenAI's extension, ms) first,
 * then `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * @returns milliseconds from `nowMs`, capped at `capMs`; undefined when absent or unparsable
 */
export function parseRetryAfterMs(headers: Headers, nowMs = Date.now(), capMs = 600_000): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.min(capMs, Math.round(Number(ms)));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(capMs, Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - nowMs));
}
