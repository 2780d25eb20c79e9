/**
 * Reads a member's queue depth from its Prometheus `/metrics`: `vllm:num_requests_waiting` (vLLM's
 * gauge, also exported by our gpu-worker), summed over its label sets. The balancer adds it to the
 * gateway's own in-flight count, so requests queued by other clients of the same member count too.
 */

/** The gauge that counts requests queued inside the member. */
export const WAITING_METRIC = 'vllm:num_requests_waiting';

/** GETs `url` and returns the member's waiting count; undefined when it cannot be read (never rejects). */
export type WaitingScrape = (url: string, timeoutMs: number) => Promise<number | undefined>;

/** The sum of `vllm:num_requests_waiting` samples in Prometheus text; undefined when absent. */
export function parseWaiting(text: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(WAITING_METRIC)) continue;
    const rest = line.slice(WAITING_METRIC.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue; // another metric sharing the prefix
    const value = Number(
      rest
        .slice(rest.lastIndexOf('}') + 1)
        .trim()
        .split(/\s+/)[0],
    );
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** The default scrape: global fetch with a timeout. */
export const fetchWaiting: WaitingScrape = async (url, timeoutMs) => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return parseWaiting(await res.text());
  } catch {
    return undefined;
  }
};
