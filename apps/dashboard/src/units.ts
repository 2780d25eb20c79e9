/** How the dashboard writes money, counts, durations and shares for people. */

/** Micro-USD per USD. */
export const MICRO_PER_USD = 1_000_000;

/**
 * `$1,234.56`, or more decimals for small amounts (`$0.000123`), from integer micro-USD.
 * @param microUsd micro-USD
 */
export function formatUsd(microUsd: number): string {
  const usd = microUsd / MICRO_PER_USD;
  const abs = Math.abs(usd);
  const digits = abs === 0 || abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return usd.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `412 ms` or `3.2 s`; `—` for null. @param ms milliseconds */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `37.5 %`; `—` for null. @param fraction 0…1 */
export function formatShare(fraction: number | null): string {
  return fraction === null ? '—' : `${(fraction * 100).toFixed(1)} %`;
}

/**
 * Reads a USD amount typed by a person into micro-USD; '' → null (no budget).
 * @throws RangeError when the text is not a non-negative amount
 */
export function parseUsd(text: string): number | null {
  const trimmed = text.trim().replace(/^\$/, '');
  if (trimmed === '') return null;
  if (!/^\d+(\.\d{1,6})?$/.test(trimmed)) throw new RangeError(`'${text}' is not an amount in USD (e.g. 25 or 0.50)`);
  return Math.round(Number(trimmed) * MICRO_PER_USD);
}

/**
 * Reads a positive whole number typed by a person; '' → null (unlimited).
 * @throws RangeError otherwise
 */
export function parseLimit(text: string, what: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^\d{1,15}$/.test(trimmed) || Number(trimmed) < 1)
    throw new RangeError(`${what} must be a whole number ≥ 1, or empty for unlimited`);
  return Number(trimmed);
}
