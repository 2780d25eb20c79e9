/**
 * D1 binds at most 100 parameters per statement (Cloudflare D1 limits), so multi-row inserts are
 * cut into chunks that stay under it whatever the row width.
 */
export const D1_MAX_BOUND_PARAMETERS = 100;

/** `rows` in chunks of at most ⌊100 / columnsPerRow⌋ rows. */
export function chunkRows<T>(rows: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / columnsPerRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
