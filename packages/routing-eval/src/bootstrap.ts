/**
 * Nonparametric bootstrap over prompts (B. Efron, "Bootstrap Methods: Another Look at the
 * Jackknife", Ann. Statist. 7(1), 1979; percentile intervals: Efron & Tibshirani, "An Introduction
 * to the Bootstrap", 1993, §13.3). A resample draws n prompts with replacement; it is represented by
 * each prompt's multiplicity (a weight vector summing to n), so every statistic here is a weighted
 * sum and a resample costs O(n). The PRNG is seeded: same seed, same intervals.
 */
import { Xoshiro128StarStar } from '@distillgate/edge-model';

/**
 * A seeded stream of floats in [0, 1): edge-model's xoshiro128** (the sampler's generator), its
 * 32-bit outputs / 2³².
 */
export function seededUniform(seed: number): () => number {
  const rng = Xoshiro128StarStar.fromSeed(seed);
  return () => rng.nextUint32() / 4294967296;
}

/** Multiplicities of one resample of n items drawn with replacement (length n, sum n). */
export function resampleCounts(n: number, random: () => number): Float64Array {
  const counts = new Float64Array(n);
  for (let i = 0; i < n; i++) counts[Math.floor(random() * n)]! += 1;
  return counts;
}

/** `B` resamples' multiplicities, drawn from one seeded stream (shared by every policy: a paired bootstrap). */
export function resamples(n: number, B: number, seed: number): Float64Array[] {
  const random = seededUniform(seed);
  return Array.from({ length: B }, () => resampleCounts(n, random));
}

/**
 * The `q`-quantile of `sorted` (ascending) by linear interpolation between order statistics
 * (Hyndman & Fan 1996, definition 7, the default of R and NumPy).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Percentile interval of bootstrap replicates at `level` (0.95 → the 2.5 % and 97.5 % quantiles). */
export function percentileInterval(replicates: ArrayLike<number>, level = 0.95): [number, number] {
  const sorted = Float64Array.from(replicates).sort();
  const tail = (1 - level) / 2;
  return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)];
}
