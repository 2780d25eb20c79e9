/**
 * Price constants and the cost of one request per route, in micro-USD (DESIGN.md §6: money in
 * micro-USD; here fractional, since one request costs well under a micro-dollar of edge CPU).
 *
 * Sources (read from stored copies; this machine cannot browse — re-check before quoting):
 * - Edge: Cloudflare Workers, Standard usage model on the Workers Paid plan, beyond the included
 *   10 M requests and 30 M CPU-ms per month: **$0.30 per million requests** and **$0.02 per million
 *   CPU milliseconds** — https://developers.cloudflare.com/workers/platform/pricing/ (the same
 *   figures on https://developers.cloudflare.com/workflows/reference/pricing/, "identical to
 *   Workers Standard pricing").
 * - Pool: **$2.49 per GPU-hour**, Lambda on-demand 1× H100, as quoted in "Cloud GPU Pricing
 *   Explained", https://computespec.pages.dev/learn/pricing/cloud-gpu-pricing-explained (a
 *   secondary source; Lambda's own list is https://lambda.ai/pricing). Override with
 *   `--gpu-usd-per-hour`.
 *
 * Per request (every route passes the gateway Worker, so every route pays the request fee; the
 * gateway's own CPU is the same on every route and is left out):
 *   edge       = fee + studentCpuMs · cpuPrice
 *   teacher    = fee + teacherTokens / tokensPerS · gpuPricePerS
 *   escalated  = fee + draftCpuMs(K) · cpuPrice + teacherTokens / tokensPerS · gpuPricePerS
 * where tokensPerS is the teacher pool's measured batched throughput (throughput.ts).
 */

export interface Prices {
  /** Workers Standard: USD per million requests. */
  workersUsdPerMillionRequests: number;
  /** Workers Standard: USD per million CPU milliseconds. */
  workersUsdPerMillionCpuMs: number;
  /** GPU pool: USD per GPU-hour. */
  gpuUsdPerHour: number;
}

export const DEFAULT_PRICES: Prices = {
  workersUsdPerMillionRequests: 0.3,
  workersUsdPerMillionCpuMs: 0.02,
  gpuUsdPerHour: 2.49,
};

export const PRICE_SOURCES = {
  workers: 'https://developers.cloudflare.com/workers/platform/pricing/',
  gpu: 'https://computespec.pages.dev/learn/pricing/cloud-gpu-pricing-explained (Lambda on-demand 1× H100; Lambda’s own list: https://lambda.ai/pricing)',
} as const;

/** USD per million X = micro-USD per X. */
export const requestFeeMicroUsd = (p: Prices) => p.workersUsdPerMillionRequests;

/** Edge compute of `cpuMs` CPU milliseconds, micro-USD. */
export const edgeComputeMicroUsd = (p: Prices, cpuMs: number) => cpuMs * p.workersUsdPerMillionCpuMs;

/** Pool compute of `tokens` completion tokens at `tokensPerS`, micro-USD (GPU-seconds × USD/s × 10⁶). */
export function teacherComputeMicroUsd(p: Prices, tokens: number, tokensPerS: number): number {
  if (!(tokensPerS > 0)) throw new RangeError(`teacher throughput must be > 0 tokens/s, got ${tokensPerS}`);
  return (tokens / tokensPerS) * (p.gpuUsdPerHour / 3600) * 1e6;
}

/** What one request costs on each route, micro-USD. */
export interface RouteCosts {
  edgeMicroUsd: number;
  teacherMicroUsd: number;
  /** Cascade escalation: the K-token draft plus the teacher. */
  escalatedMicroUsd: number;
}

export function routeCosts(
  p: Prices,
  m: { studentCpuMs: number; draftCpuMs: number; teacherTokens: number; teacherTokensPerS: number },
): RouteCosts {
  const fee = requestFeeMicroUsd(p);
  const teacher = teacherComputeMicroUsd(p, m.teacherTokens, m.teacherTokensPerS);
  return {
    edgeMicroUsd: fee + edgeComputeMicroUsd(p, m.studentCpuMs),
    teacherMicroUsd: fee + teacher,
    escalatedMicroUsd: fee + edgeComputeMicroUsd(p, m.draftCpuMs) + teacher,
  };
}
