/**
 * An open-loop load generator: requests leave on a fixed schedule (one every `1000 / rate` ms)
 * whether or not earlier ones have answered, and each request keeps its own timing. This is what
 * DESIGN.md §4 asks for instead of autocannon's bursty `-R` mode.
 *
 * Precision: `setTimeout` sleeps until ~1 ms before a send is due, then `setImmediate` polls (I/O
 * callbacks still run between polls) until the due time, so sends leave within a few tens of µs
 * of schedule unless the event loop is busy; the lag is measured and reported.
 */
import { performance } from 'node:perf_hooks';

/** One request's result. */
export interface Sample {
  /** Send time minus scheduled time. @unit ms */
  lagMs: number;
  /** From send to the last body byte. @unit ms */
  latencyMs: number;
  ok: boolean;
}

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  count: number;
  /** Stop scheduling new requests after this deadline (`performance.now()` ms). */
  deadlineMs: number;
  /** Sends one request; resolves true when it succeeded (checked status and read the whole body). */
  send: () => Promise<boolean>;
}

export interface OpenLoopResult {
  samples: Sample[];
  /** Requests sent / (last send − first send). @unit req/s */
  achievedRate: number;
  /** True when the deadline cut the run short. */
  cutShort: boolean;
}

const SPIN_WINDOW_MS = 1;

function waitUntil(dueMs: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (performance.now() >= dueMs ? resolve() : setImmediate(poll));
    const sleepMs = dueMs - performance.now() - SPIN_WINDOW_MS;
    if (sleepMs > 0) setTimeout(poll, sleepMs);
    else poll();
  });
}

/** Runs `count` requests at `rate` req/s on a fixed schedule and waits for every answer. */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / opts.rate;
  const startMs = performance.now() + 5;
  const pending: Promise<Sample>[] = [];
  let firstSendMs = 0;
  let lastSendMs = 0;
  for (let i = 0; i < opts.count; i++) {
    const dueMs = startMs + i * intervalMs;
    if (dueMs > opts.deadlineMs) break;
    await waitUntil(dueMs);
    const sentMs = performance.now();
    if (i === 0) firstSendMs = sentMs;
    lastSendMs = sentMs;
    pending.push(
      opts.send().then(
        (ok) => ({ lagMs: sentMs - dueMs, latencyMs: performance.now() - sentMs, ok }),
        () => ({ lagMs: sentMs - dueMs, latencyMs: performance.now() - sentMs, ok: false }),
      ),
    );
  }
  const samples = await Promise.all(pending);
  const spanMs = lastSendMs - firstSendMs;
  return {
    samples,
    achievedRate: spanMs > 0 ? ((samples.length - 1) * 1000) / spanMs : 0,
    cutShort: samples.length < opts.count,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface Summary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
  errors: number;
  /** p99 of the send lag behind schedule. @unit ms */
  lagP99: number;
}

/** Latency percentiles over successful samples; errors counted apart. */
export function summarize(samples: readonly Sample[]): Summary {
  const ok = samples.filter((s) => s.ok);
  const lat = ok.map((s) => s.latencyMs).sort((a, b) => a - b);
  const lag = samples.map((s) => s.lagMs).sort((a, b) => a - b);
  return {
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    max: lat.at(-1) ?? Number.NaN,
    n: samples.length,
    errors: samples.length - ok.length,
    lagP99: percentile(lag, 99),
  };
}
